//! What must never be shown: credentials in URLs, and the client's own secrets in
//! anything a server sends back.
//!
//! * [`RedactedUrl`] shows a URL without user info, query or fragment (any of which may
//!   carry a credential). Every builder and client in the family prints URLs through it.
//! * [`Redaction`](crate::redact) (crate-internal) removes the client's secrets from
//!   response text before it is quoted in an error: a misconfigured proxy or a debugging
//!   endpoint that echoes the request back must not make an error message carry the
//!   token.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::auth::AuthProvider;
use crate::error::{ApiError, DecodeError, Error, ErrorBody};
use crate::http::body::Ctx;

/// A URL as it may appear in messages, `Debug` output and logs: without user info, query
/// or fragment, any of which may carry a credential (`https://user:pw@host/?api_key=…`).
/// A string that is not a URL shows as `<not a valid URL>`, since it may still hold one.
///
/// ```
/// use idgraph_common::RedactedUrl;
///
/// let shown = RedactedUrl::new("https://admin:hunter2@api.example.com/v1?api_key=k#frag");
/// assert_eq!(shown.to_string(), "https://api.example.com/v1");
/// assert_eq!(format!("{shown:?}"), "\"https://api.example.com/v1\"");
/// assert_eq!(RedactedUrl::new("hunter2").to_string(), "<not a valid URL>");
/// ```
#[derive(Clone, Copy)]
pub struct RedactedUrl<'a>(&'a str);

impl<'a> RedactedUrl<'a> {
    /// Wraps a URL (or anything meant to be one) for display.
    pub fn new(raw: &'a str) -> Self {
        Self(raw)
    }

    fn shown(&self) -> String {
        match Url::parse(self.0.trim()) {
            Ok(mut url) => {
                // Both only fail for URLs that cannot have user info, which then have none.
                let _ = url.set_username("");
                let _ = url.set_password(None);
                url.set_query(None);
                url.set_fragment(None);
                let mut shown: String = url.into();
                // `Url` adds a `/` to an empty path; show the URL as it was given.
                if !self.0.trim_end().ends_with('/') && shown.ends_with('/') {
                    shown.pop();
                }
                shown
            }
            Err(_) => "<not a valid URL>".to_owned(),
        }
    }
}

impl fmt::Display for RedactedUrl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown())
    }
}

impl fmt::Debug for RedactedUrl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.shown(), f)
    }
}

/// What replaces a secret in quoted text.
pub(crate) const REDACTED: &str = "[redacted]";

/// Secrets shorter than this are not searched for: scrubbing every "ab" out of a message
/// would destroy it, and no credential this family handles is that short.
const MIN_NEEDLE: usize = 4;

/// The secrets one attempt carried, from which every form they could come back in is
/// derived on demand (only on error paths: a success costs nothing).
#[derive(Clone, Default)]
pub(crate) struct Redaction {
    /// The auth headers the attempt sent (values already marked sensitive).
    sent: Vec<(HeaderName, HeaderValue)>,
    /// The provider, for secrets it holds but did not send in a header (an OAuth2 client
    /// secret).
    provider: Option<Arc<dyn AuthProvider>>,
    /// Secrets of the request itself (a temporary password in a create body).
    request: Option<Arc<[SecretString]>>,
}

impl Redaction {
    pub(crate) fn new(
        sent: Vec<(HeaderName, HeaderValue)>,
        provider: Option<Arc<dyn AuthProvider>>,
        request: Option<Arc<[SecretString]>>,
    ) -> Self {
        Self {
            sent,
            provider,
            request,
        }
    }

    /// Every form of every secret, longest first (so a longer form is replaced before a
    /// secret it contains).
    fn needles(&self) -> Vec<SecretString> {
        let mut raw: Vec<String> = Vec::new();
        for (_, value) in &self.sent {
            // Not `to_str()`: it refuses any byte above ASCII, and a credential with one
            // (a token with `ü`) travels all the same, so it must be searched for too.
            // The value was built from a `&str`, so its bytes are UTF-8.
            header_parts(&String::from_utf8_lossy(value.as_bytes()), &mut raw);
        }
        let mut extra = Vec::new();
        if let Some(p) = &self.provider {
            p.secret_values(&mut extra);
        }
        if let Some(r) = &self.request {
            extra.extend(r.iter().cloned());
        }
        raw.extend(extra.iter().map(|s| s.expose_secret().to_owned()));
        let mut forms: Vec<String> = Vec::with_capacity(raw.len() * 4);
        for secret in &raw {
            encodings(secret, &mut forms);
        }
        forms.retain(|f| f.len() >= MIN_NEEDLE);
        forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
        forms.dedup();
        forms.into_iter().map(SecretString::from).collect()
    }

    /// `text` with every secret replaced.
    pub(crate) fn scrub(&self, text: &str) -> String {
        scrub_with(&self.needles(), text)
    }

    /// The API error with every secret removed from what it quotes.
    pub(crate) fn clean_api(&self, api: &mut ApiError) {
        clean_api(&self.needles(), api);
    }

    /// The API error for a non-success answer, built from the body with every secret
    /// already removed: the body is scrubbed whole before the error cuts its snippet, as
    /// a secret straddling the cut would otherwise keep its first part (which no longer
    /// matches the secret).
    pub(crate) fn api_error(
        &self,
        status: u16,
        headers: &HeaderMap,
        body: &[u8],
        ctx: Ctx<'_>,
    ) -> ApiError {
        let needles = self.needles();
        let body = scrub_bytes(&needles, body);
        let mut api = crate::http::body::api_error(status, headers, &body, ctx);
        // The request id comes from a header, not the body.
        clean_api(&needles, &mut api);
        api
    }

    /// Like [`clean`](Self::clean), for an error from decoding `body`: a quoted snippet
    /// is cut again from the scrubbed body (see [`api_error`](Self::api_error) for why).
    pub(crate) fn clean_decoded(&self, error: Error, body: &[u8]) -> Error {
        match error {
            Error::Decode(mut d) => {
                let needles = self.needles();
                if d.body_snippet.is_some() && !needles.is_empty() {
                    d.body_snippet = Some(crate::http::body::snippet(&scrub_bytes(&needles, body)));
                }
                clean_decode(&needles, &mut d);
                Error::Decode(d)
            }
            other => self.clean(other),
        }
    }

    /// The error with every secret removed from whatever it quotes of the response.
    pub(crate) fn clean(&self, error: Error) -> Error {
        match error {
            Error::Api(mut api) => {
                clean_api(&self.needles(), &mut api);
                Error::Api(api)
            }
            Error::RateLimited {
                retry_after,
                attempts,
                method,
                path,
                last,
            } => Error::RateLimited {
                retry_after,
                attempts,
                method,
                path,
                last: last.map(|mut api| {
                    clean_api(&self.needles(), &mut api);
                    api
                }),
            },
            Error::Decode(mut d) => {
                clean_decode(&self.needles(), &mut d);
                Error::Decode(d)
            }
            other => other,
        }
    }
}

/// The secret parts of one auth header value: the value, the credential after an auth
/// scheme (`Bearer x`), and for Basic the decoded `user:password`, user and password.
fn header_parts(value: &str, out: &mut Vec<String>) {
    out.push(value.to_owned());
    let Some((scheme, credential)) = value.split_once(' ') else {
        return;
    };
    let credential = credential.trim();
    out.push(credential.to_owned());
    if scheme.eq_ignore_ascii_case("basic")
        && let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(credential)
        && let Ok(pair) = String::from_utf8(bytes)
    {
        if let Some((user, password)) = pair.split_once(':') {
            out.push(user.to_owned());
            out.push(password.to_owned());
            // RFC 6749 §2.3.1 form-encodes OAuth2 client credentials before Basic.
            for part in [user, password] {
                out.push(percent_decoded(part));
            }
        }
        out.push(pair);
    }
}

fn percent_decoded(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// The forms a secret can come back in: as is, JSON-escaped (once, and twice: a JSON
/// request body echoed inside a JSON error), HTML-escaped (an error page quoting a header
/// or a JSON body), percent- and form-encoded, base64.
fn encodings(secret: &str, out: &mut Vec<String>) {
    if secret.is_empty() {
        return;
    }
    out.push(secret.to_owned());
    let json = json_escaped(secret);
    out.push(json_escaped(&json));
    html_escaped(secret, out);
    html_escaped(&json, out);
    out.push(json);
    out.push(url::form_urlencoded::byte_serialize(secret.as_bytes()).collect());
    out.push(
        percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
            .to_string(),
    );
    out.push(base64::engine::general_purpose::STANDARD.encode(secret));
    out.push(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret));
}

/// `s` as it appears inside a JSON string.
fn json_escaped(s: &str) -> String {
    serde_json::to_string(s)
        .map(|json| json[1..json.len() - 1].to_owned())
        .unwrap_or_else(|_| s.to_owned())
}

/// `s` HTML-escaped, in the entity spellings common escapers use for `"` and `'`
/// (`&quot;`/`&#34;`, `&#39;`/`&#x27;`). Nothing when `s` has nothing to escape.
fn html_escaped(s: &str, out: &mut Vec<String>) {
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return;
    }
    for (quot, apos) in [
        ("&quot;", "&#39;"),
        ("&#34;", "&#39;"),
        ("&quot;", "&#x27;"),
    ] {
        let mut escaped = String::with_capacity(s.len() + 16);
        for ch in s.chars() {
            match ch {
                '&' => escaped.push_str("&amp;"),
                '<' => escaped.push_str("&lt;"),
                '>' => escaped.push_str("&gt;"),
                '"' => escaped.push_str(quot),
                '\'' => escaped.push_str(apos),
                c => escaped.push(c),
            }
        }
        out.push(escaped);
    }
}

fn scrub_with(needles: &[SecretString], text: &str) -> String {
    let mut out = text.to_owned();
    for needle in needles {
        let n = needle.expose_secret();
        if out.contains(n) {
            out = out.replace(n, REDACTED);
        }
    }
    out
}

/// `body` with every secret replaced; borrowed when it holds none.
fn scrub_bytes<'a>(needles: &[SecretString], body: &'a [u8]) -> Cow<'a, [u8]> {
    let mut out = Cow::Borrowed(body);
    for needle in needles {
        let n = needle.expose_secret().as_bytes();
        if find(&out, n, 0).is_none() {
            continue;
        }
        let mut replaced = Vec::with_capacity(out.len());
        let mut from = 0;
        while let Some(at) = find(&out, n, from) {
            replaced.extend_from_slice(&out[from..at]);
            replaced.extend_from_slice(REDACTED.as_bytes());
            from = at + n.len();
        }
        replaced.extend_from_slice(&out[from..]);
        out = Cow::Owned(replaced);
    }
    out
}

/// Where `needle` (not empty) first occurs in `hay` at or after `from`.
fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

fn contains_any(needles: &[SecretString], text: &str) -> bool {
    needles.iter().any(|n| text.contains(n.expose_secret()))
}

fn clean_api(needles: &[SecretString], api: &mut ApiError) {
    if needles.is_empty() {
        return;
    }
    let s = |t: &mut String| *t = scrub_with(needles, t);
    api.body_snippet = scrub_with(needles, &api.body_snippet);
    if let Some(id) = &mut api.request_id {
        s(id);
    }
    match &mut api.body {
        ErrorBody::Text(t) => s(t),
        ErrorBody::Json { code, message } => {
            code.iter_mut().chain(message.iter_mut()).for_each(s);
        }
        ErrorBody::Scim(e) => {
            if let Some(d) = &mut e.detail {
                s(d);
            }
            // Shown in `Debug`: a server may put anything there.
            e.schemas.iter_mut().for_each(s);
            if let Some(t) = &e.scim_type
                && contains_any(needles, t.as_str())
            {
                e.scim_type = Some(scim_types::ScimType::from(REDACTED));
            }
        }
        _ => {}
    }
}

fn clean_decode(needles: &[SecretString], d: &mut DecodeError) {
    if needles.is_empty() {
        return;
    }
    if let Some(ct) = &mut d.content_type {
        // A response header: a misbehaving server could echo anything into it too.
        *ct = scrub_with(needles, ct);
    }
    if let Some(snippet) = &mut d.body_snippet {
        *snippet = scrub_with(needles, snippet);
    }
    // serde_json quotes offending values in its message, and its error cannot be edited:
    // keep it only when it quotes no secret.
    if d.source
        .as_ref()
        .is_some_and(|e| contains_any(needles, &e.to_string()))
    {
        d.source = None;
    }
    d.path = scrub_with(needles, &d.path);
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::AUTHORIZATION;

    fn sensitive(v: &str) -> (HeaderName, HeaderValue) {
        let mut h = HeaderValue::from_str(v).unwrap();
        h.set_sensitive(true);
        (AUTHORIZATION, h)
    }

    #[test]
    fn urls_lose_user_info_query_and_fragment() {
        for (raw, shown) in [
            ("https://u:p@x.example/a?b=c#d", "https://x.example/a"),
            ("https://x.example", "https://x.example"),
            ("https://x.example/", "https://x.example/"),
            (
                "http://127.0.0.1:8080/scim/v2?token=t",
                "http://127.0.0.1:8080/scim/v2",
            ),
            ("not a url with a s3cr3t", "<not a valid URL>"),
        ] {
            assert_eq!(RedactedUrl::new(raw).to_string(), shown, "{raw}");
        }
    }

    #[test]
    fn every_form_of_a_basic_credential_is_scrubbed() {
        let b64 = base64::engine::general_purpose::STANDARD.encode("api-user:pa ss/wörd\"");
        let r = Redaction::new(vec![sensitive(&format!("Basic {b64}"))], None, None);
        let text = format!(
            "echo: Authorization: Basic {b64}; user=api-user pw=pa ss/wörd\" json=pa ss/wörd\\\" form=pa+ss%2Fw%C3%B6rd%22"
        );
        let clean = r.scrub(&text);
        for leak in ["api-user", "pa ss", &b64, "pa+ss", "wörd"] {
            assert!(!clean.contains(leak), "{leak} in {clean}");
        }
        assert!(clean.contains(REDACTED));
    }

    #[test]
    fn bearer_tokens_and_request_secrets_are_scrubbed() {
        let r = Redaction::new(
            vec![sensitive("Bearer tok-123456")],
            None,
            Some(Arc::from(vec![SecretString::from("Temp-Pass-1!")])),
        );
        let clean =
            r.scrub("got tok-123456 and {\"password\":\"Temp-Pass-1!\"} and Temp-Pass-1%21");
        assert!(
            !clean.contains("tok-123456") && !clean.contains("Temp-Pass-1"),
            "{clean}"
        );
    }

    #[test]
    fn html_escaped_and_twice_json_escaped_forms_are_scrubbed() {
        let r = Redaction::new(vec![sensitive(r#"Bearer t"o<k>'&"#)], None, None);
        // A header quoted in an HTML page; a JSON request body quoted in a JSON error.
        for text in [
            "<pre>Bearer t&quot;o&lt;k&gt;&#39;&amp;</pre>",
            "<pre>t&#34;o&lt;k&gt;&#39;&amp;</pre>",
            r#"{"message":"{\"token\":\"t\\\"o<k>'&\"}"}"#,
        ] {
            let clean = r.scrub(text);
            assert!(
                clean.contains(REDACTED) && !clean.contains("o&lt;k"),
                "{clean}"
            );
            assert!(!clean.contains("o<k"), "{clean}");
        }
    }

    #[test]
    fn a_secret_straddling_the_snippet_cut_is_scrubbed() {
        use crate::error::ERROR_SNIPPET_LEN;
        let token = "tok-0123456789abcdef";
        let r = Redaction::new(vec![sensitive(&format!("Bearer {token}"))], None, None);
        // The cut falls in the middle of the token.
        let body = format!("{}{token} and more", "x".repeat(ERROR_SNIPPET_LEN - 10));
        let ctx = Ctx {
            method: "GET",
            path: "/x",
        };
        let api = r.api_error(400, &HeaderMap::new(), body.as_bytes(), ctx);
        assert!(
            !api.body_snippet.contains("tok-0123"),
            "{}",
            api.body_snippet
        );
        assert!(api.body_snippet.ends_with(REDACTED), "{}", api.body_snippet);
        assert!(!format!("{api:?}").contains("tok-0123"));
    }

    #[test]
    fn short_secrets_are_not_searched_for() {
        let r = Redaction::new(vec![sensitive("ab")], None, None);
        assert_eq!(r.scrub("about"), "about");
    }
}
