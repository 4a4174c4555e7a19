//! [`EchoRequest`]: a wiremock responder that sends the request back in its body, the way
//! a debugging endpoint or a misconfigured proxy does, for tests that no secret the client
//! sent ever comes back in an error, a `Debug` output or a trace.

use base64::Engine as _;
use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

use crate::error::ERROR_SNIPPET_LEN;

/// How an [`EchoRequest`] wraps the echo of the request ([`EchoRequest::echo_text`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EchoShape {
    /// `{"message": echo}`.
    JsonMessage,
    /// `{"error": "invalid_request", "error_description": echo}` (RFC 6749 §5.2).
    OAuthError,
    /// An RFC 7644 §3.12 SCIM error with the echo in `detail` (and in `schemas`, which a
    /// client shows in `Debug`).
    ScimDetail,
    /// `{"error": {"code": …, "message": echo, "request": {"headers": {…}, "body": …}}}`:
    /// the echo nested, and the headers once more as a JSON object (JSON-escaped).
    Nested,
    /// The echo as `text/plain`.
    Text,
    /// An HTML page with the echo HTML-escaped inside `<pre>`.
    Html,
    /// A JSON object with the echo as the value of every field name a client may expect
    /// (`id`, `userName`, `active`, `totalResults`, `Resources`, `users`, …), so that
    /// decoding it as any expected type fails on a field whose value is the echo (serde's
    /// message then quotes it).
    JsonEverywhere,
    /// The echo as `text/plain`, padded so that the first credential it carries (the
    /// `Authorization`, `X-Password` or `X-User` header value, else the form body's
    /// `client_secret`) straddles byte [`ERROR_SNIPPET_LEN`], where errors cut the body
    /// they quote (three quarters of it before the cut): a scrubber that looks for
    /// secrets only after the cut misses what is left of the secret.
    Straddle,
}

/// A wiremock responder that answers with `status` and the request echoed in the body
/// (see [`echo_text`](Self::echo_text) and [`EchoShape`]).
///
/// ```
/// use idgraph_common::testing::{EchoRequest, EchoShape};
/// use wiremock::{Mock, MockServer, matchers::any};
///
/// # async fn run() {
/// let server = MockServer::start().await;
/// Mock::given(any())
///     .respond_with(EchoRequest::new(400, EchoShape::JsonMessage))
///     .mount(&server)
///     .await;
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct EchoRequest {
    status: u16,
    shape: EchoShape,
    retry_after: Option<u64>,
}

/// Headers whose value a [`EchoShape::Straddle`] echo places across the cut.
const CREDENTIAL_HEADERS: [&str; 3] = ["authorization", "x-password", "x-user"];

impl EchoRequest {
    /// Answers with `status` and the echo in `shape`.
    pub fn new(status: u16, shape: EchoShape) -> Self {
        Self {
            status,
            shape,
            retry_after: None,
        }
    }

    /// Adds `Retry-After: <secs>` to the answer (for 429s and 503s).
    #[must_use]
    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }

    /// The request as an echoing server writes it back: the method and path, every header
    /// as `name: value` (a `Basic` credential also decoded, as `user:password`), and the
    /// body, lossily decoded (a form body also decoded, as `name = value` lines).
    pub fn echo_text(request: &Request) -> String {
        let mut out = format!("{} {}\n", request.method, request.url.path());
        for (name, value) in &request.headers {
            let value = String::from_utf8_lossy(value.as_bytes());
            out.push_str(&format!("{name}: {value}\n"));
            if let Some(b64) = value
                .strip_prefix("Basic ")
                .or_else(|| value.strip_prefix("basic "))
                && let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(b64.trim())
            {
                out.push_str(&format!(
                    "decoded {name}: {}\n",
                    String::from_utf8_lossy(&raw)
                ));
            }
        }
        out.push('\n');
        out.push_str(&String::from_utf8_lossy(&request.body));
        if is_form(request) {
            out.push('\n');
            for (k, v) in url::form_urlencoded::parse(&request.body) {
                out.push_str(&format!("{k} = {v}\n"));
            }
        }
        out
    }

    fn body(&self, request: &Request) -> (String, &'static str) {
        let echo = Self::echo_text(request);
        match self.shape {
            EchoShape::JsonMessage => (json!({ "message": echo }).to_string(), JSON),
            EchoShape::OAuthError => (
                json!({"error": "invalid_request", "error_description": echo}).to_string(),
                JSON,
            ),
            EchoShape::ScimDetail => (
                json!({
                    "schemas": [scim_types::urn::ERROR, echo],
                    "status": self.status.to_string(),
                    "scimType": "invalidValue",
                    "detail": echo,
                })
                .to_string(),
                "application/scim+json",
            ),
            EchoShape::Nested => {
                let headers: serde_json::Map<String, Value> = request
                    .headers
                    .iter()
                    .map(|(n, v)| {
                        (
                            n.as_str().to_owned(),
                            Value::from(String::from_utf8_lossy(v.as_bytes()).into_owned()),
                        )
                    })
                    .collect();
                (
                    json!({"error": {
                        "code": "E_ECHO",
                        "message": echo,
                        "request": {
                            "headers": headers,
                            "body": String::from_utf8_lossy(&request.body),
                        },
                    }})
                    .to_string(),
                    JSON,
                )
            }
            EchoShape::Text => (echo, "text/plain; charset=utf-8"),
            EchoShape::Html => (
                format!(
                    "<!DOCTYPE html><html><head><title>{} error</title></head><body><h1>Request</h1><pre>{}</pre></body></html>",
                    self.status,
                    html_escape(&echo)
                ),
                "text/html; charset=utf-8",
            ),
            EchoShape::JsonEverywhere => {
                let fields = [
                    "id",
                    "userName",
                    "active",
                    "emails",
                    "schemas",
                    "totalResults",
                    "itemsPerPage",
                    "startIndex",
                    "Resources",
                    "users",
                    "total",
                    "primary_email",
                    "primaryEmail",
                    "email",
                    "name",
                    "access_token",
                    "token_type",
                    "expires_in",
                ];
                let object: serde_json::Map<String, Value> = fields
                    .iter()
                    .map(|f| ((*f).to_owned(), Value::from(echo.clone())))
                    .collect();
                (Value::Object(object).to_string(), JSON)
            }
            EchoShape::Straddle => (straddle(request, &echo), "text/plain; charset=utf-8"),
        }
    }
}

const JSON: &str = "application/json";

fn is_form(request: &Request) -> bool {
    request
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"))
}

/// The echo, its first credential moved to the front and padded so that the snippet cut
/// falls three quarters into the credential.
fn straddle(request: &Request, echo: &str) -> String {
    let header = CREDENTIAL_HEADERS.iter().find_map(|name| {
        let value = request.headers.get(*name)?;
        Some(format!(
            "{name}: {}",
            String::from_utf8_lossy(value.as_bytes())
        ))
    });
    let form = || {
        let body = String::from_utf8_lossy(&request.body).into_owned();
        let at = body.find("client_secret=")?;
        Some(body[at..].split('&').next().unwrap_or_default().to_owned())
    };
    let Some(first) = header.or_else(form) else {
        return echo.to_owned();
    };
    // The credential's value starts after `name: ` (or `client_secret=`).
    let value_at = first
        .find(": ")
        .map_or_else(|| first.find('=').map_or(0, |i| i + 1), |i| i + 2);
    // Three quarters of the value before the cut, the rest after it.
    let value_len = first.len() - value_at;
    let pad = ERROR_SNIPPET_LEN.saturating_sub(value_at + value_len * 3 / 4);
    format!("{}{first}\n{echo}", "x".repeat(pad))
}

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

impl Respond for EchoRequest {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let (body, content_type) = self.body(request);
        let mut template = ResponseTemplate::new(self.status).set_body_raw(body, content_type);
        if let Some(secs) = self.retry_after {
            template = template.insert_header("retry-after", secs.to_string().as_str());
        }
        template
    }
}
