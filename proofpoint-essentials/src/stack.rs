//! [`Stack`]: which Proofpoint Essentials data centre an organization lives on.

use std::fmt;

use idgraph_common::RedactedUrl;
use serde_json::Value;
use url::Url;

use crate::{Error, Result};

/// The domain every public stack host lives under.
const STACK_DOMAIN: &str = "proofpointessentials.com";

/// A Proofpoint Essentials stack (data centre). The interface API of stack `us1` is
/// `https://us1.proofpointessentials.com/api/v1`.
///
/// An organization lives on one stack; [`ClientBuilder::discover`](crate::ClientBuilder::discover)
/// asks `GET /endpoints/{domain}` (callable on any stack) which one.
///
/// ```
/// use proofpoint_essentials::Stack;
///
/// assert_eq!(Stack::Eu1.api_base()?, "https://eu1.proofpointessentials.com/api/v1");
/// // A custom host or URL (a proxy, or a local fake in tests).
/// assert_eq!(Stack::custom("http://127.0.0.1:8080").api_base()?, "http://127.0.0.1:8080/api/v1");
/// # Ok::<(), proofpoint_essentials::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Stack {
    /// `us1.proofpointessentials.com`
    Us1,
    /// `us2.proofpointessentials.com`
    Us2,
    /// `us3.proofpointessentials.com`
    Us3,
    /// `us4.proofpointessentials.com`
    Us4,
    /// `us5.proofpointessentials.com`
    Us5,
    /// `eu1.proofpointessentials.com`
    Eu1,
    /// Another host (`example.net`, served over https) or base URL
    /// (`http://127.0.0.1:8080`); `/api/v1` is appended unless the URL already ends
    /// with it.
    Custom(String),
}

impl Stack {
    /// Every public stack.
    pub const ALL: [Stack; 6] = [
        Stack::Us1,
        Stack::Us2,
        Stack::Us3,
        Stack::Us4,
        Stack::Us5,
        Stack::Eu1,
    ];

    /// A custom host or base URL.
    pub fn custom(host_or_url: impl Into<String>) -> Self {
        Stack::Custom(host_or_url.into())
    }

    /// The stack's short name (`us1`, …), for a public stack.
    pub fn name(&self) -> Option<&'static str> {
        Some(match self {
            Stack::Us1 => "us1",
            Stack::Us2 => "us2",
            Stack::Us3 => "us3",
            Stack::Us4 => "us4",
            Stack::Us5 => "us5",
            Stack::Eu1 => "eu1",
            Stack::Custom(_) => return None,
        })
    }

    /// The interface API's base URL on this stack.
    pub fn api_base(&self) -> Result<String> {
        if let Some(name) = self.name() {
            return Ok(format!("https://{name}.{STACK_DOMAIN}/api/v1"));
        }
        let Stack::Custom(raw) = self else {
            // `name()` is `Some` for every other variant.
            return Err(Error::config("unknown stack"));
        };
        let raw = raw.trim().trim_end_matches('/');
        if raw.is_empty() {
            return Err(Error::config("a custom stack needs a host or URL"));
        }
        let base = if raw.contains("://") {
            raw.to_owned()
        } else {
            format!("https://{raw}")
        };
        Ok(if base.ends_with("/api/v1") {
            base
        } else {
            format!("{base}/api/v1")
        })
    }

    /// The stack a host name belongs to: a public stack, else [`Stack::Custom`].
    pub fn from_host(host: &str) -> Self {
        let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
        Stack::ALL
            .into_iter()
            .find(|s| {
                s.name()
                    .is_some_and(|n| host == format!("{n}.{STACK_DOMAIN}"))
            })
            .unwrap_or(Stack::Custom(host))
    }
}

/// A custom stack as `Display` and `Debug` show it: through [`RedactedUrl`], without user
/// info, query or fragment (any of which may carry a credential). A bare host is shown as
/// given, without the `https://` that [`Stack::api_base`] adds to it.
fn shown_custom(raw: &str) -> String {
    let raw = raw.trim();
    if raw.contains("://") {
        return RedactedUrl::new(raw).to_string();
    }
    let shown = RedactedUrl::new(&format!("https://{raw}")).to_string();
    match shown.strip_prefix("https://") {
        Some(host) => host.to_owned(),
        // Not a URL even with a scheme: RedactedUrl's placeholder.
        None => shown,
    }
}

impl fmt::Display for Stack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stack::Custom(s) => f.write_str(&shown_custom(s)),
            other => f.write_str(other.name().unwrap_or_default()),
        }
    }
}

impl fmt::Debug for Stack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Hand-written (a derive would print a custom URL raw); the same output as the
        // derive otherwise.
        match self {
            Stack::Us1 => f.write_str("Us1"),
            Stack::Us2 => f.write_str("Us2"),
            Stack::Us3 => f.write_str("Us3"),
            Stack::Us4 => f.write_str("Us4"),
            Stack::Us5 => f.write_str("Us5"),
            Stack::Eu1 => f.write_str("Eu1"),
            Stack::Custom(s) => f.debug_tuple("Custom").field(&shown_custom(s)).finish(),
        }
    }
}

/// Reads the stacks out of a `GET /endpoints/{domain}` answer, `{"endpoints": [...]}`.
///
/// The shape of each entry is not documented, so strings (URL or host) and objects (the
/// first string field that parses as a URL or host) are both read. Only entries that are
/// a public stack (https, `*.proofpointessentials.com`) or on the host that was asked are
/// returned: the client would send its credentials there.
pub(crate) fn parse_endpoints(answer: &Value, asked_host: &str) -> Vec<Stack> {
    let entries = match answer.get("endpoints") {
        Some(Value::Array(a)) => a.clone(),
        Some(single) => vec![single.clone()],
        None => Vec::new(),
    };
    let mut out = Vec::new();
    for entry in entries {
        let candidates: Vec<String> = match entry {
            Value::String(s) => vec![s],
            Value::Object(o) => o
                .into_iter()
                .filter_map(|(_, v)| v.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        if let Some(stack) = candidates.iter().find_map(|c| trusted_stack(c, asked_host))
            && !out.contains(&stack)
        {
            out.push(stack);
        }
    }
    out
}

fn trusted_stack(candidate: &str, asked_host: &str) -> Option<Stack> {
    let candidate = candidate.trim();
    let url = if candidate.contains("://") {
        Url::parse(candidate).ok()?
    } else {
        Url::parse(&format!("https://{candidate}")).ok()?
    };
    let host = url.host_str()?.to_ascii_lowercase();
    if host.is_empty() {
        return None;
    }
    let public = Stack::from_host(&host);
    if public.name().is_some() && url.scheme() == "https" {
        return Some(public);
    }
    if host == asked_host.to_ascii_lowercase() {
        let mut origin = format!("{}://{}", url.scheme(), url.host_str()?);
        if let Some(port) = url.port() {
            origin.push_str(&format!(":{port}"));
        }
        return Some(Stack::Custom(origin));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bases() {
        assert_eq!(
            Stack::Us3.api_base().unwrap(),
            "https://us3.proofpointessentials.com/api/v1"
        );
        assert_eq!(
            Stack::custom("proxy.example.net/").api_base().unwrap(),
            "https://proxy.example.net/api/v1"
        );
        assert_eq!(
            Stack::custom("http://127.0.0.1:9/api/v1")
                .api_base()
                .unwrap(),
            "http://127.0.0.1:9/api/v1"
        );
        assert!(Stack::custom(" ").api_base().is_err());
        assert_eq!(Stack::from_host("US2.proofpointessentials.com"), Stack::Us2);
    }

    #[test]
    fn endpoints_are_read_in_any_shape_and_only_trusted_hosts_kept() {
        let answer = json!({"endpoints": [
            "https://us2.proofpointessentials.com",
            {"url": "https://eu1.proofpointessentials.com/api/v1"},
            "https://evil.example.com",
            "http://us3.proofpointessentials.com",
            "us4.proofpointessentials.com"
        ]});
        assert_eq!(
            parse_endpoints(&answer, "us1.proofpointessentials.com"),
            [Stack::Us2, Stack::Eu1, Stack::Us4]
        );
        let local = json!({"endpoints": ["http://127.0.0.1:4000"]});
        assert_eq!(
            parse_endpoints(&local, "127.0.0.1"),
            [Stack::Custom("http://127.0.0.1:4000".into())]
        );
    }
}
