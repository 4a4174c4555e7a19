//! Bulk create with per-user results: [`BulkCreate`], [`BulkReport`].

use std::fmt;
use std::sync::Arc;

use futures::StreamExt;

use crate::Error;
use crate::client::Surface;
use crate::errors::{self, ErrorCode};
use crate::model::{GroupId, NewUser, PrimaryEmail, User};
use crate::users::Users;
use crate::wire::{self, Body, interface};
use idgraph_common::error::quote;
use idgraph_common::{ApiError, ErrorBody, Response};

/// One user to onboard: the user, and the groups to add it to once it exists.
///
/// ```
/// use proofpoint_essentials::{BulkUser, GroupId, NewUser, PrimaryEmail, UserType};
///
/// let item = BulkUser::new(NewUser::new(PrimaryEmail::new("a@example.com")?, UserType::User))
///     .group(GroupId::new("grp_001")?);
/// # let _ = item;
/// # Ok::<(), proofpoint_essentials::Error>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct BulkUser {
    pub(crate) user: NewUser,
    pub(crate) groups: Vec<GroupId>,
}

impl BulkUser {
    /// A user with no group assignment.
    pub fn new(user: NewUser) -> Self {
        Self {
            user,
            groups: Vec::new(),
        }
    }

    /// Adds the user to this group after it is created (REST surface).
    pub fn group(mut self, group: GroupId) -> Self {
        self.groups.push(group);
        self
    }

    /// Adds the user to these groups after it is created (REST surface).
    pub fn groups(mut self, groups: impl IntoIterator<Item = GroupId>) -> Self {
        self.groups.extend(groups);
        self
    }
}

impl From<NewUser> for BulkUser {
    fn from(user: NewUser) -> Self {
        Self::new(user)
    }
}

/// A bulk create, ready to [`send`](Self::send). From
/// [`Users::bulk_create`].
///
/// * **REST surface**: one `POST /users` per user, then one
///   `POST /groups/{id}/members` per group assignment, in input order. Every request
///   takes a permit from the client's rate limiter (100 per minute by default), so a
///   large onboarding runs at the limit instead of into 429s; a 429 that still happens
///   (another process sharing the key) is retried by the transport with backoff.
/// * **Interface API**: batches of [`batch_size`](crate::ClientBuilder::batch_size)
///   users in one `POST /orgs/{domain}/users` each; the answer's `errors[]` become
///   per-user [`CreateError::Rejected`]. Group assignments are refused per group
///   ([`Error::Unsupported`]): Essentials has no groups resource.
///
/// One user's failure never stops the others.
///
/// Owned (it holds a clone of the client, like [`Users`]): `Send + Sync + 'static`, so it
/// can be built in one place and sent from a spawned task.
#[derive(Debug, Clone)]
#[must_use = "a bulk create does nothing until it is sent"]
pub struct BulkCreate {
    users: Users,
    items: Vec<BulkUser>,
    concurrency: usize,
}

impl BulkCreate {
    pub(crate) fn new(users: Users, items: Vec<BulkUser>) -> Self {
        Self {
            users,
            items,
            concurrency: 1,
        }
    }

    /// How many users are in flight at once (REST surface). Default 1: at 100 requests
    /// per minute one request every 600 ms is the limit anyway, and results stay easy
    /// to follow. The rate limiter applies whatever the concurrency.
    pub fn concurrency(mut self, users: usize) -> Self {
        self.concurrency = users.max(1);
        self
    }

    /// Runs the bulk create. Never fails as a whole: every user has its own result.
    pub async fn send(self) -> BulkReport {
        match self.users.client().surface() {
            Surface::RestV2 => {
                let users = &self.users;
                let results = futures::stream::iter(self.items)
                    .map(|item| create_one_rest(users, item))
                    .buffered(self.concurrency)
                    .collect()
                    .await;
                BulkReport { results }
            }
            Surface::InterfaceV1 => {
                let batch = self.users.client().inner.batch_size;
                let mut results = Vec::with_capacity(self.items.len());
                let mut items = self.items.into_iter().peekable();
                while items.peek().is_some() {
                    let chunk: Vec<BulkUser> = items.by_ref().take(batch).collect();
                    results.extend(create_batch(&self.users, chunk).await);
                }
                BulkReport { results }
            }
        }
    }
}

async fn create_one_rest(users: &Users, item: BulkUser) -> BulkResult {
    let email = item.user.primary_email.clone();
    match users.create(&item.user).await {
        Ok(user) => {
            let groups = users.client().groups();
            let mut assigned = Vec::with_capacity(item.groups.len());
            for group in item.groups {
                let result = groups.add_member(&group, &email).await;
                assigned.push(GroupAssignment { group, result });
            }
            BulkResult {
                email,
                user: Ok(user),
                groups: assigned,
                skipped_groups: Vec::new(),
            }
        }
        Err(e) => BulkResult {
            email,
            user: Err(CreateError::Request(Arc::new(e))),
            groups: Vec::new(),
            skipped_groups: item.groups,
        },
    }
}

/// One interface API batch: a JSON array of users, answered with created users and
/// `errors[]`.
async fn create_batch(users: &Users, chunk: Vec<BulkUser>) -> Vec<BulkResult> {
    let client = users.client();
    let mut results: Vec<BulkResult> = chunk
        .iter()
        .map(|item| BulkResult {
            email: item.user.primary_email.clone(),
            user: Err(CreateError::Unconfirmed),
            groups: item
                .groups
                .iter()
                .map(|g| GroupAssignment {
                    group: g.clone(),
                    result: Err(errors::no_groups("groups.add_member")),
                })
                .collect(),
            skipped_groups: Vec::new(),
        })
        .collect();
    // Users whose body cannot be built (a REST-only field, say) fail alone.
    let mut bodies: Vec<Body<'_>> = Vec::new();
    let mut sent: Vec<usize> = Vec::new();
    for (i, item) in chunk.iter().enumerate() {
        match interface::new_user_body(&item.user) {
            Ok(b) => {
                bodies.push(b);
                sent.push(i);
            }
            Err(e) => results[i].user = Err(CreateError::Request(Arc::new(e))),
        }
    }
    if bodies.is_empty() {
        return results;
    }
    let answer = match client.users_path() {
        Ok(path) => {
            let all: Vec<&Body<'_>> = bodies.iter().collect();
            wire::with_json_body(client.http().post(path), &bodies, &all)
                .operation("proofpoint_essentials.users.create_batch")
                .send()
                .await
        }
        Err(e) => Err(e),
    };
    let resp = match answer {
        Ok(r) => r,
        Err(e) => {
            // A single-user batch can say which domain a 400 is about.
            let e = match sent.as_slice() {
                [only] => errors::for_email(e, &results[*only].email),
                _ => e,
            };
            let shared = Arc::new(e);
            for &i in &sent {
                results[i].user = Err(CreateError::Request(Arc::clone(&shared)));
            }
            return results;
        }
    };
    let mut answer = interface::BatchAnswer::parse(resp.body());
    for &i in &sent {
        let email = results[i].email.clone();
        if let Some(pos) = answer.users.iter().position(|u| u.primary_email == email) {
            results[i].user = Ok(answer.users.swap_remove(pos));
            continue;
        }
        let named = answer.errors.iter().position(|e| {
            e.identifier
                .as_deref()
                .is_some_and(|id| id.eq_ignore_ascii_case(email.as_str()))
        });
        if let Some(pos) = named {
            let e = answer.errors.swap_remove(pos);
            results[i].user = Err(CreateError::Rejected(Rejection::from_wire(
                &e, &email, &resp,
            )));
        }
    }
    // An error without an identifier can be attributed only when one user is left.
    let unattributed: Vec<usize> = sent
        .iter()
        .copied()
        .filter(|&i| matches!(results[i].user, Err(CreateError::Unconfirmed)))
        .collect();
    if let ([i], [e]) = (unattributed.as_slice(), answer.errors.as_slice()) {
        let email = results[*i].email.clone();
        results[*i].user = Err(CreateError::Rejected(Rejection::from_wire(
            e, &email, &resp,
        )));
    }
    results
}

/// The result of a bulk create, one entry per input user, in input order.
#[derive(Debug)]
#[non_exhaustive]
pub struct BulkReport {
    /// Per-user results.
    pub results: Vec<BulkResult>,
}

impl BulkReport {
    /// The users that were created.
    pub fn created(&self) -> impl Iterator<Item = &User> {
        self.results.iter().filter_map(|r| r.user.as_ref().ok())
    }

    /// The users that were not (or not confirmed to be) created, with why.
    pub fn failed(&self) -> impl Iterator<Item = (&PrimaryEmail, &CreateError)> {
        self.results
            .iter()
            .filter_map(|r| r.user.as_ref().err().map(|e| (&r.email, e)))
    }

    /// Group assignments that failed (the user itself was created).
    pub fn failed_groups(&self) -> impl Iterator<Item = (&PrimaryEmail, &GroupAssignment)> {
        self.results.iter().flat_map(|r| {
            r.groups
                .iter()
                .filter(|g| g.result.is_err())
                .map(move |g| (&r.email, g))
        })
    }

    /// `true` when every user was created and every group assignment made.
    pub fn all_succeeded(&self) -> bool {
        self.failed().next().is_none() && self.failed_groups().next().is_none()
    }
}

/// One user's result.
#[derive(Debug)]
#[non_exhaustive]
pub struct BulkResult {
    /// The user's primary email, as given.
    pub email: PrimaryEmail,
    /// The created user, or why not.
    pub user: Result<User, CreateError>,
    /// The group assignments made or refused (only when the user was created).
    pub groups: Vec<GroupAssignment>,
    /// Groups not attempted because the user was not created.
    pub skipped_groups: Vec<GroupId>,
}

/// One group assignment.
#[derive(Debug)]
#[non_exhaustive]
pub struct GroupAssignment {
    /// The group.
    pub group: GroupId,
    /// `Ok(())` once the server accepted the membership, or why not.
    pub result: Result<(), Error>,
}

/// Why one user of a bulk create was not created.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum CreateError {
    /// The request carrying this user failed. REST surface: the user's own `POST`.
    /// Interface API: the batch request, whose error every user in it shares.
    Request(Arc<Error>),
    /// The server refused this user inside a success answer (`errors[]` of an interface
    /// API batch).
    Rejected(Rejection),
    /// The server answered success but listed the user neither as created nor as
    /// refused. Check with [`Users::get`] before trying again.
    Unconfirmed,
}

impl CreateError {
    /// The HTTP status the refusal carried, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            CreateError::Request(e) => e.status(),
            CreateError::Rejected(r) => r.status,
            CreateError::Unconfirmed => None,
        }
    }

    /// The unregistered domain, when that is why the user was refused. Domains are
    /// registered in the Proofpoint Essentials admin console, not through the API.
    pub fn unregistered_domain(&self) -> Option<&str> {
        match self {
            CreateError::Request(e) => match e.vendor_code::<ErrorCode>() {
                Some(ErrorCode::DomainNotRegistered { domain }) => Some(domain),
                _ => None,
            },
            CreateError::Rejected(r) => r.unregistered_domain.as_deref(),
            CreateError::Unconfirmed => None,
        }
    }

    /// The transport's error, for a failed request.
    pub fn error(&self) -> Option<&Error> {
        match self {
            CreateError::Request(e) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for CreateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CreateError::Request(e) => fmt::Display::fmt(e, f),
            CreateError::Rejected(r) => fmt::Display::fmt(r, f),
            CreateError::Unconfirmed => f.write_str(
                "the server answered success but did not confirm this user; check with Users::get before retrying",
            ),
        }
    }
}

/// [`CreateError::Request`] is transparent: its message is the request's error's, and its
/// `source()` is that error's own source, so a chain printer (anyhow's `{:#}`) shows each
/// cause once. The [`Error`] itself is [`CreateError::error`].
impl std::error::Error for CreateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CreateError::Request(e) => e.source(),
            _ => None,
        }
    }
}

/// One entry of an interface API batch answer's `errors[]`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rejection {
    /// The status the server gave this user, if any.
    pub status: Option<u16>,
    /// The server's message, if any.
    pub message: Option<String>,
    /// The server's identifier for the user (usually the email), if any.
    pub identifier: Option<String>,
    /// The user's domain, when the message says the domain is the problem.
    pub unregistered_domain: Option<String>,
}

impl Rejection {
    /// The rejection `e` of `resp` (a batch answer), what it quotes of the server scrubbed
    /// of the client's secrets (see [`Response::redact`]).
    pub(crate) fn from_wire(
        e: &interface::BatchError,
        email: &PrimaryEmail,
        resp: &Response,
    ) -> Self {
        let domain = e
            .error_message
            .as_deref()
            .is_some_and(|m| {
                e.status.unwrap_or(400) == 400 && m.to_ascii_lowercase().contains("domain")
            })
            .then(|| email.domain().to_owned());
        Self {
            status: e.status,
            message: e.error_message.as_deref().map(|m| resp.redact(m)),
            identifier: Some(
                e.identifier
                    .as_deref()
                    .map_or_else(|| email.as_str().to_owned(), |id| resp.redact(id)),
            ),
            unregistered_domain: domain,
        }
    }

    /// As the shared error type, for single creates (see [`Users::create`]): an API error
    /// (the request was sent and refused) with this user's status, or 400 when the item
    /// carries none; marked [`ErrorCode::DomainNotRegistered`] when the domain is the
    /// reason.
    pub(crate) fn into_error(self, path: &str) -> Error {
        let mut api =
            ApiError::new(self.status.unwrap_or(400), "POST", path).with_body(ErrorBody::Json {
                code: None,
                message: Some(self.message.clone().unwrap_or_else(|| self.to_string())),
            });
        if let Some(domain) = &self.unregistered_domain {
            errors::mark_unregistered(&mut api, domain);
        }
        Error::Api(Box::new(api))
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the server refused {}",
            quote(self.identifier.as_deref().unwrap_or("?"))
        )?;
        if let Some(s) = self.status {
            write!(f, " with status {s}")?;
        }
        if let Some(m) = &self.message {
            write!(f, ": {m}")?;
        }
        if let Some(d) = &self.unregistered_domain {
            write!(
                f,
                " (the domain {} must be registered in the Proofpoint Essentials admin console; domains cannot be registered through the API)",
                quote(d)
            )?;
        }
        Ok(())
    }
}

impl Users {
    /// Creates many users, continuing past failures; see [`BulkCreate`].
    ///
    /// ```no_run
    /// use proofpoint_essentials::{BulkUser, Client, GroupId, NewUser, PrimaryEmail, UserType};
    ///
    /// # async fn run(client: Client) -> proofpoint_essentials::Result<()> {
    /// let sales = GroupId::new("grp_001")?;
    /// let report = client
    ///     .users()
    ///     .bulk_create([
    ///         BulkUser::new(NewUser::new(PrimaryEmail::new("a@example.com")?, UserType::User))
    ///             .group(sales.clone()),
    ///         NewUser::new(PrimaryEmail::new("b@example.com")?, UserType::User).into(),
    ///     ])
    ///     .send()
    ///     .await;
    /// for (email, why) in report.failed() {
    ///     eprintln!("{email}: {why}");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn bulk_create<I>(&self, users: I) -> BulkCreate
    where
        I: IntoIterator,
        I::Item: Into<BulkUser>,
    {
        BulkCreate::new(self.clone(), users.into_iter().map(Into::into).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `evil` + a forged log line + 10,000 characters.
    fn hostile() -> String {
        format!(
            "evil\n2026-12-01 INFO forged\u{1b}[2J\r{}@example.com",
            "x".repeat(10_000)
        )
    }

    fn assert_escaped_and_bounded(text: &str, max: usize) {
        assert!(!text.chars().any(char::is_control), "{text:?}");
        assert!(text.contains("`evil\\n2026-12-01 INFO forged"), "{text}");
        assert!(text.chars().count() <= max, "{} characters", text.len());
    }

    #[test]
    fn a_rejection_quotes_the_identifier_and_domain_escaped_and_bounded() {
        let r = Rejection {
            status: Some(400),
            message: Some("refused".into()),
            identifier: Some(hostile()),
            unregistered_domain: Some(hostile()),
        };
        assert_escaped_and_bounded(&r.to_string(), 600);
        let r = Rejection {
            status: None,
            message: None,
            identifier: Some("jane@example.com".into()),
            unregistered_domain: None,
        };
        assert_eq!(r.to_string(), "the server refused `jane@example.com`");
    }

    #[test]
    fn a_request_error_is_transparent_so_each_cause_prints_once() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "connection reset");
        let inner = Error::Transport {
            method: "POST",
            path: "/orgs/example.com/users".into(),
            sent: true,
            source: Box::new(io),
        };
        let shown = inner.to_string();
        let e = CreateError::Request(Arc::new(inner));
        // The message is the request's error's; its source is that error's source, so
        // the chain is: transport error, then the I/O error, once each.
        assert_eq!(e.to_string(), shown);
        let source = std::error::Error::source(&e).expect("the I/O error");
        assert_eq!(source.to_string(), "connection reset");
        assert!(!e.to_string().contains("connection reset"), "{e}");
        assert!(e.error().is_some_and(|err| err.was_sent()));
    }
}
