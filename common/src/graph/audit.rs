//! The audit trail of [`apply_audited`](super::apply_audited()): one [`AuditEvent`] per
//! change an apply makes or attempts, written to an [`AuditSink`] (a JSON Lines file:
//! [`JsonLinesSink`]).

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

use serde::Serialize;

use super::catalog::AppId;
use super::directory::Email;
use super::plan::{Action, ActionKind, FieldChange};
use super::user::DirectoryUser;
use crate::error::{Error, Result, quote};

/// One change an apply made or attempted, for an auditor: when, in which app, what, to
/// whom (the person's email and stable link key, the app's account id), the field values
/// before → after, how it ended, and the server's request id where it sent one.
///
/// Holds no secret and no password: a [`DirectoryUser`] carries none, and error texts
/// are the client's scrubbed `Display`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct AuditEvent {
    /// When the change ended, RFC 3339 in UTC with milliseconds.
    pub time: String,
    /// The target app.
    pub app: AppId,
    /// What the plan said to do.
    pub action: ActionKind,
    /// The person's email (for a rename, the new one).
    pub email: Email,
    /// The email before a rename.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_email: Option<Email>,
    /// The person's stable link key, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_key: Option<String>,
    /// The app's id of the account acted on (after a create, the new one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// Field values before → after (for a deactivation, `active: true → false`).
    pub changes: Vec<FieldChange>,
    /// `done` or `failed`.
    pub outcome: &'static str,
    /// Why it failed (the error's scrubbed `Display`), or what the app did besides the
    /// plain operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The servers' request ids of the requests this change sent, in order (the
    /// re-read before a destructive step, the write, each retry; after a failure the
    /// failed request is last), where the server sent one (`x-request-id`,
    /// `request-id`, `x-correlation-id`, `x-amzn-requestid`, `x-ms-request-id` or
    /// `traceparent`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub request_ids: Vec<String>,
    /// What the change did besides its field changes, as the plan warned (for example
    /// that the app reset a reactivated member's role): [`Action::warnings`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl AuditEvent {
    /// The event for `action` on `app`: `Ok` with the account as the app now has it and
    /// a note, or `Err` with why it failed; and the request ids of what it sent.
    pub(crate) fn new(
        app: AppId,
        action: &Action,
        email: &Email,
        done: Ended<'_>,
        request_ids: Vec<String>,
    ) -> Self {
        let (subject, previous_email, changes) = match action {
            Action::Create { user } => (Some(&**user), None, Vec::new()),
            Action::Update {
                current, changes, ..
            } => (Some(&**current), None, changes.clone()),
            Action::Rename {
                current, changes, ..
            } => (
                Some(&**current),
                Some(current.email().to_email()),
                changes.clone(),
            ),
            Action::Deactivate { user, .. } => (
                Some(&**user),
                None,
                vec![FieldChange::Active {
                    from: user.is_active(),
                    to: false,
                }],
            ),
            Action::Delete { user, .. } => (Some(&**user), None, Vec::new()),
            Action::Skip { .. } | Action::Manual { .. } => (None, None, Vec::new()),
        };
        let (outcome, detail, now) = match done {
            Ok((now, note)) => ("done", note.map(str::to_owned), now),
            Err(why) => ("failed", Some(why.to_owned()), None),
        };
        let app_id = now
            .and_then(|u| u.app_id())
            .or_else(|| subject.and_then(DirectoryUser::app_id))
            .map(str::to_owned);
        Self {
            time: humantime::format_rfc3339_millis(SystemTime::now()).to_string(),
            app,
            action: action.kind(),
            email: email.clone(),
            previous_email,
            link_key: subject
                .and_then(DirectoryUser::external_id)
                .map(str::to_owned),
            app_id,
            changes,
            outcome,
            detail,
            request_ids,
            warnings: action.warnings().to_vec(),
        }
    }
}

/// How an audited operation ended: `Ok` with the account as the app now has it and a
/// note, or `Err` with why it failed.
pub(crate) type Ended<'a> =
    std::result::Result<(Option<&'a DirectoryUser>, Option<&'a str>), &'a str>;

/// Where [`apply_audited`](super::apply_audited()) writes its events. An error stops the
/// run between items (nothing is changed that is not recorded after the failure).
pub trait AuditSink: Send + Sync {
    /// Records one event; returns once it is written (for [`JsonLinesSink`]: flushed to
    /// the operating system, not `fsync`ed).
    fn record(&self, event: &AuditEvent) -> Result<()>;
}

/// An [`AuditSink`] writing one JSON object per line (JSON Lines) to a file or any
/// writer, flushed after every event.
///
/// ```
/// use idgraph_common::graph::{apply_audited, plan, ApplyMode, DirectoryUser, JsonLinesSink, SyncPolicy, UserDirectory};
/// use idgraph_common::graph::memory::MemoryDirectory;
/// use idgraph_common::graph::catalog;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> idgraph_common::Result<()> {
/// let path = std::env::temp_dir().join(format!("idgraph-audit-doc-{}.jsonl", std::process::id()));
/// let sink = JsonLinesSink::create(&path)?;
/// let probo = MemoryDirectory::new(catalog::scim());
/// let p = plan(&[DirectoryUser::new("ada@example.com")], &[], probo.catalog(), &SyncPolicy::default());
/// let report = apply_audited(&p, &probo, ApplyMode::Execute, &sink).await;
/// assert!(report.is_success());
/// let text = std::fs::read_to_string(&path).unwrap_or_default();
/// assert!(text.contains(r#""action":"create""#) && text.contains(r#""outcome":"done""#));
/// # let _ = std::fs::remove_file(&path);
/// # Ok(()) }
/// ```
pub struct JsonLinesSink {
    out: Mutex<Box<dyn Write + Send>>,
}

impl JsonLinesSink {
    /// Appends to the file at `path`, creating it when missing.
    pub fn create(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file: File = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| Error::Config {
                message: format!(
                    "cannot open the audit file {}",
                    quote(&path.display().to_string())
                )
                .into(),
                source: Some(Box::new(e)),
            })?;
        Ok(Self::new(BufWriter::new(file)))
    }

    /// Writes to `out` (a file, a socket, a `Vec<u8>` behind a handle you keep).
    pub fn new(out: impl Write + Send + 'static) -> Self {
        Self {
            out: Mutex::new(Box::new(out)),
        }
    }
}

impl AuditSink for JsonLinesSink {
    fn record(&self, event: &AuditEvent) -> Result<()> {
        let mut line = serde_json::to_vec(event).map_err(|e| Error::Config {
            message: "could not serialise an audit event".into(),
            source: Some(Box::new(e)),
        })?;
        line.push(b'\n');
        let mut out = self.out.lock().unwrap_or_else(PoisonError::into_inner);
        out.write_all(&line)
            .and_then(|()| out.flush())
            .map_err(|e| Error::Config {
                message: "could not write the audit trail".into(),
                source: Some(Box::new(e)),
            })
    }
}

impl fmt::Debug for JsonLinesSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonLinesSink").finish_non_exhaustive()
    }
}
