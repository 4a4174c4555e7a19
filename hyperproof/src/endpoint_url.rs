//! Checks of the URLs credentials are sent to, before any client is built, with errors
//! that name the setting and never echo a query or a user-info part (either may hold a
//! secret).
//!
//! The transport enforces the same rules; checking here first gives an error that says
//! which Hyperproof setting is wrong and where its right value comes from.

use std::net::IpAddr;

use idgraph_common::RedactedUrl;
use idgraph_common::error::quote;
use url::{Host, Url};

use crate::{Error, Result};

/// `raw` must be an absolute `https` URL (plain `http` only to a loopback address, for
/// tests, or anywhere when `allow_insecure` says the caller opted in through
/// `TransportSettings::allow_insecure_http`) with no user name, password, query or
/// fragment. `what` names the setting ("the Hyperproof SCIM URL"), `carries` what would
/// travel over it ("the SCIM token").
pub(crate) fn check(raw: &str, what: &str, carries: &str, allow_insecure: bool) -> Result<()> {
    let url = Url::parse(raw.trim()).map_err(|e| Error::Config {
        // Not echoed: a malformed URL may still hold a credential.
        message: format!("{what} is not a valid absolute URL (expected https://host/path)").into(),
        source: Some(Box::new(e)),
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::config(format!(
            "{what} must not contain a user name or password; {carries} is passed separately"
        )));
    }
    // The URL as messages may show it: no user info (refused above), query or fragment.
    let shown = RedactedUrl::new(raw);
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::config(format!(
            "{what} (`{shown}`) must not have a query or fragment"
        )));
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if allow_insecure || is_loopback(&url) => Ok(()),
        "http" => Err(Error::config(format!(
            "{what} must use https: `{shown}` uses plain http, so {carries} would travel unencrypted (plain http is accepted only for a loopback address, for tests, or with TransportSettings::allow_insecure_http(true))"
        ))),
        other => Err(Error::config(format!(
            "{what} must use https, not {}",
            quote(other)
        ))),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(raw: &str) -> String {
        check(raw, "the URL", "the token", false)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn https_and_loopback_http_pass() {
        for ok in [
            "https://scim.example.com/v2/org",
            "http://127.0.0.1:1/x",
            "http://localhost/x",
            "http://[::1]:8/x",
        ] {
            assert!(check(ok, "the URL", "the token", false).is_ok(), "{ok}");
        }
    }

    #[test]
    fn failures_say_why_and_never_echo_a_query_or_credential() {
        assert!(err("http://10.0.0.1/scim").contains("plain http"));
        assert!(err("ftp://x.example/").contains("not `ftp`"));
        let q = err("https://x.example/scim?token=s3cr3t#frag");
        assert!(q.contains("query") && !q.contains("s3cr3t"), "{q}");
        let u = err("https://me:s3cr3t@x.example/scim");
        assert!(u.contains("user name") && !u.contains("s3cr3t"), "{u}");
        assert!(err("x.example/scim").contains("not a valid absolute URL"));
    }
}
