//! Reading and interpreting response bodies: size caps, error bodies, JSON decoding.

use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use reqwest::header::{CONTENT_TYPE, DATE, HeaderMap, HeaderName, RETRY_AFTER};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{ApiError, DecodeError, DecodeReason, ERROR_SNIPPET_LEN, Error, ErrorBody};
use crate::rate_limit::RateSignal;

/// Why a body read stopped early.
pub(crate) enum ReadError {
    /// The connection failed mid-body.
    Transport(reqwest::Error),
    /// The body passed the limit (only for success bodies, which must be complete).
    TooLarge,
}

/// Largest buffer reserved up front from a `Content-Length`, so a server announcing a
/// huge body cannot make us allocate it before sending it.
const MAX_PRESIZE: usize = 16 * 1024 * 1024;

/// Reads a whole body, failing once it passes `limit` bytes. A single-chunk body is
/// returned without copying; a multi-chunk body is copied once into a buffer sized from
/// `Content-Length` (up to [`MAX_PRESIZE`]), not grown by doubling (which copied large
/// pages several times and held up to twice their size).
pub(crate) async fn read_body(
    resp: &mut reqwest::Response,
    limit: usize,
) -> Result<Bytes, ReadError> {
    let presize = resp
        .content_length()
        .map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX))
        .min(limit)
        .min(MAX_PRESIZE);
    let mut first: Option<Bytes> = None;
    let mut buf = BytesMut::new();
    let mut total = 0usize;
    while let Some(chunk) = resp.chunk().await.map_err(ReadError::Transport)? {
        total = total.saturating_add(chunk.len());
        if total > limit {
            return Err(ReadError::TooLarge);
        }
        match first.take() {
            None if buf.is_empty() => first = Some(chunk),
            prev => {
                if let Some(prev) = prev {
                    buf.reserve(presize.max(prev.len() + chunk.len()));
                    buf.extend_from_slice(&prev);
                }
                buf.extend_from_slice(&chunk);
            }
        }
    }
    Ok(first.unwrap_or_else(|| buf.freeze()))
}

/// Reads at most `limit` bytes of a body and drops the rest unread, so a huge or endless
/// error body costs at most `limit` bytes of memory.
pub(crate) async fn read_capped(resp: &mut reqwest::Response, limit: usize) -> Bytes {
    let mut buf = BytesMut::new();
    // A body that breaks off mid-way still gives us what arrived; the status is what
    // matters for an error response.
    while let Ok(Some(chunk)) = resp.chunk().await {
        let room = limit.saturating_sub(buf.len());
        if chunk.len() >= room {
            buf.extend_from_slice(&chunk[..room]);
            break;
        }
        buf.extend_from_slice(&chunk);
    }
    buf.freeze()
}

/// Request context carried into errors.
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub(crate) method: &'static str,
    pub(crate) path: &'a str,
}

/// The start of a body as errors quote it: at most [`ERROR_SNIPPET_LEN`] bytes, lossily
/// decoded.
pub(crate) fn snippet(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..body.len().min(ERROR_SNIPPET_LEN)]).into_owned()
}

/// Builds the [`ApiError`] for a non-success response. The transport builds it through
/// `Redaction::api_error`, which scrubs the body first.
pub(crate) fn api_error(status: u16, headers: &HeaderMap, body: &[u8], ctx: Ctx<'_>) -> ApiError {
    ApiError {
        status,
        method: ctx.method,
        path: ctx.path.to_owned(),
        body: parse_error_body(body),
        request_id: request_id(headers),
        retry_after: retry_after(headers),
        body_snippet: snippet(body),
        hint: None,
        vendor_code: None,
    }
}

/// Parses an error body: SCIM error, other JSON, or text.
pub(crate) fn parse_error_body(body: &[u8]) -> ErrorBody {
    if body.iter().all(u8::is_ascii_whitespace) {
        return ErrorBody::Empty;
    }
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        let end = body.len().min(ERROR_SNIPPET_LEN);
        return ErrorBody::Text(String::from_utf8_lossy(&body[..end]).trim().to_owned());
    };
    if looks_like_scim_error(&value)
        && let Ok(scim) = serde_json::from_value(value.clone())
    {
        return ErrorBody::Scim(scim);
    }
    let (code, message) = code_and_message(&value);
    ErrorBody::Json { code, message }
}

fn looks_like_scim_error(v: &Value) -> bool {
    let Some(obj) = v.as_object() else {
        return false;
    };
    let schema_says_so = obj
        .get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|u| u.as_str() == Some(scim_types::urn::ERROR)));
    schema_says_so || obj.contains_key("scimType")
}

/// Reads a code and a message from the keys vendors use. `error` is a code when it looks
/// like one (`invalid_client`) and a message when it reads like a sentence.
fn code_and_message(v: &Value) -> (Option<String>, Option<String>) {
    let Some(obj) = v.as_object() else {
        return (None, None);
    };
    if let Some(inner @ Value::Object(_)) = obj.get("error") {
        return code_and_message(inner);
    }
    let text = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_owned);
    let mut code = text("code").or_else(|| text("errorCode"));
    let mut message = text("message")
        .or_else(|| text("detail"))
        .or_else(|| text("error_description"))
        .or_else(|| text("error_message"))
        .or_else(|| text("title"));
    if let Some(err) = text("error") {
        if code.is_none() && !err.contains(char::is_whitespace) {
            code = Some(err);
        } else if message.is_none() {
            message = Some(err);
        }
    }
    (code, message)
}

const REQUEST_ID_HEADERS: [&str; 6] = [
    "x-request-id",
    "request-id",
    "x-correlation-id",
    "x-amzn-requestid",
    "x-ms-request-id",
    "traceparent",
];

pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    REQUEST_ID_HEADERS
        .iter()
        .find_map(|h| headers.get(*h)?.to_str().ok().map(str::to_owned))
}

/// `Retry-After` as delta-seconds or HTTP-date. An HTTP-date is measured against the
/// response's own `Date` header when present, which makes it immune to clock skew between
/// us and the server; otherwise against our clock.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let raw = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = raw.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(raw).ok()?;
    let now = headers
        .get(DATE)
        .and_then(|d| d.to_str().ok())
        .and_then(|d| httpdate::parse_http_date(d).ok())
        .unwrap_or_else(SystemTime::now);
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

const RATELIMIT_REMAINING: [HeaderName; 2] = [
    HeaderName::from_static("ratelimit-remaining"),
    HeaderName::from_static("x-ratelimit-remaining"),
];
const RATELIMIT_RESET: [HeaderName; 2] = [
    HeaderName::from_static("ratelimit-reset"),
    HeaderName::from_static("x-ratelimit-reset"),
];

/// What the response's rate-limit headers say (IETF `RateLimit-*` or `X-RateLimit-*`).
/// Runs on every response, so the header names are prepared constants (a `&str` name is
/// parsed again at each lookup), looked up only when some name announces them.
pub(crate) fn rate_signal(headers: &HeaderMap, throttled: bool) -> RateSignal {
    // Most answers carry no rate-limit header at all: one pass over the few names there
    // are is cheaper than four hashed lookups that all miss.
    let announced = headers.keys().any(|k| {
        let k = k.as_str();
        k.ends_with("ratelimit-remaining") || k.ends_with("ratelimit-reset")
    });
    let num = |names: &[HeaderName; 2]| {
        if !announced {
            return None;
        }
        names
            .iter()
            .find_map(|n| headers.get(n)?.to_str().ok()?.trim().parse::<u64>().ok())
    };
    let reset_after = num(&RATELIMIT_RESET).map(|v| {
        // Some vendors send an epoch timestamp, others seconds from now.
        if v > 1_000_000_000 {
            let now = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            Duration::from_secs(v.saturating_sub(now))
        } else {
            Duration::from_secs(v)
        }
    });
    RateSignal {
        throttled,
        retry_after: if throttled {
            retry_after(headers)
        } else {
            None
        },
        remaining: num(&RATELIMIT_REMAINING),
        reset_after,
    }
}

/// The response's content type, if any.
pub(crate) fn content_type(headers: &HeaderMap) -> Option<&str> {
    headers.get(CONTENT_TYPE)?.to_str().ok()
}

fn is_json_type(ct: &str) -> bool {
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json") || essence == "text/json"
}

/// Decoding context: where the body came from, and whether it may be quoted in errors.
pub(crate) struct DecodeCtx<'a> {
    pub(crate) status: u16,
    pub(crate) ctx: Ctx<'a>,
    pub(crate) content_type: Option<&'a str>,
    /// `false` for bodies that may hold a secret (OAuth2 token responses).
    pub(crate) quote_body: bool,
}

/// Decodes a JSON body. The fast path is plain `serde_json`; only on failure is the body
/// decoded again with `serde_path_to_error` to name the failing field, so success costs
/// nothing extra.
pub(crate) fn decode_json<T: DeserializeOwned>(body: &[u8], d: &DecodeCtx<'_>) -> Result<T, Error> {
    match serde_json::from_slice::<T>(body) {
        Ok(v) => Ok(v),
        Err(first) => Err(decode_error::<T>(body, d, first)),
    }
}

fn decode_error<T: DeserializeOwned>(
    body: &[u8],
    d: &DecodeCtx<'_>,
    first: serde_json::Error,
) -> Error {
    let (path, source) = {
        let de = &mut serde_json::Deserializer::from_slice(body);
        match serde_path_to_error::deserialize::<_, T>(de) {
            Err(e) => (e.path().to_string(), e.into_inner()),
            Ok(_) => (String::new(), first),
        }
    };
    let reason = if body.iter().all(u8::is_ascii_whitespace) {
        DecodeReason::EmptyBody
    } else if source.classify() == serde_json::error::Category::Eof && looks_like_json_start(body) {
        DecodeReason::Truncated
    } else if d.content_type.is_some_and(|ct| !is_json_type(ct))
        && serde_json::from_slice::<serde::de::IgnoredAny>(body).is_err()
    {
        DecodeReason::UnexpectedContentType
    } else if body
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'<')
    {
        DecodeReason::Markup
    } else {
        DecodeReason::InvalidJson
    };
    Error::Decode(Box::new(DecodeError {
        type_name: std::any::type_name::<T>(),
        path,
        status: d.status,
        method: d.ctx.method,
        request_path: d.ctx.path.to_owned(),
        content_type: d.content_type.map(str::to_owned),
        body_snippet: d.quote_body.then(|| snippet(body)),
        reason,
        // serde_json quotes the offending value in its message ("invalid type: string
        // \"…\""), so a body that may hold a secret keeps only the path.
        source: d.quote_body.then_some(source),
    }))
}

/// Whether a body starts like a JSON document (after whitespace): a cut-short one then
/// ends in EOF, while an HTML page that merely fails to parse does not start so.
fn looks_like_json_start(body: &[u8]) -> bool {
    body.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| matches!(b, b'{' | b'['))
}

/// The error for a success body above the configured limit.
pub(crate) fn too_large(
    limit: usize,
    status: u16,
    ctx: Ctx<'_>,
    content_type: Option<&str>,
) -> Error {
    Error::Decode(Box::new(DecodeError {
        type_name: "response body",
        path: String::new(),
        status,
        method: ctx.method,
        request_path: ctx.path.to_owned(),
        content_type: content_type.map(str::to_owned),
        body_snippet: None,
        reason: DecodeReason::TooLarge { limit },
        source: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn scim_error_with_string_status_is_recognised() {
        let body = br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"scimType":"uniqueness","detail":"taken","status":"409"}"#;
        match parse_error_body(body) {
            ErrorBody::Scim(e) => {
                assert_eq!(e.status, 409);
                assert_eq!(e.detail.as_deref(), Some("taken"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn plain_json_errors_yield_code_and_message() {
        let cases: [(&[u8], Option<&str>, Option<&str>); 5] = [
            (
                br#"{"error":"unauthorized","message":"invalid token"}"#,
                Some("unauthorized"),
                Some("invalid token"),
            ),
            (
                br#"{"error":"cross-origin request denied"}"#,
                None,
                Some("cross-origin request denied"),
            ),
            (
                br#"{"statusCode":403,"message":"Bandwidth quota exceeded. Try again later."}"#,
                None,
                Some("Bandwidth quota exceeded. Try again later."),
            ),
            (
                br#"{"error":"invalid_client","error_description":"bad secret"}"#,
                Some("invalid_client"),
                Some("bad secret"),
            ),
            (
                br#"{"error":{"code":"E1","message":"nested"}}"#,
                Some("E1"),
                Some("nested"),
            ),
        ];
        for (body, code, msg) in cases {
            match parse_error_body(body) {
                ErrorBody::Json {
                    code: c,
                    message: m,
                } => {
                    assert_eq!(c.as_deref(), code);
                    assert_eq!(m.as_deref(), msg);
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn html_and_empty_bodies() {
        assert!(matches!(parse_error_body(b"  \n"), ErrorBody::Empty));
        match parse_error_body(b"<html><body>Bad gateway</body></html>") {
            ErrorBody::Text(t) => assert!(t.starts_with("<html>")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn retry_after_seconds_and_http_date_against_the_date_header() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("2"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2026 07:28:05 GMT"),
        );
        h.insert(
            DATE,
            HeaderValue::from_static("Wed, 21 Oct 2026 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), Some(Duration::from_secs(5)));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn rate_limit_headers() {
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        h.insert("x-ratelimit-reset", HeaderValue::from_static("12"));
        let s = rate_signal(&h, false);
        assert_eq!(s.remaining, Some(0));
        assert_eq!(s.reset_after, Some(Duration::from_secs(12)));
    }

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Thing {
        items: Vec<Item>,
    }
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Item {
        id: u32,
    }

    fn ctx(ct: Option<&str>) -> DecodeCtx<'_> {
        DecodeCtx {
            status: 200,
            ctx: Ctx {
                method: "GET",
                path: "/things",
            },
            content_type: ct,
            quote_body: true,
        }
    }

    #[test]
    fn decode_errors_name_the_json_path_and_reason() {
        let err = decode_json::<Thing>(
            br#"{"items":[{"id":1},{"id":"x"}]}"#,
            &ctx(Some("application/json")),
        )
        .unwrap_err();
        let Error::Decode(d) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(d.path, "items[1].id");
        assert_eq!(d.reason, DecodeReason::InvalidJson);
        assert!(err.to_string().contains("items[1].id"), "{err}");

        let err = decode_json::<Thing>(b"", &ctx(Some("application/json"))).unwrap_err();
        assert!(matches!(&err, Error::Decode(d) if d.reason == DecodeReason::EmptyBody));

        let err = decode_json::<Thing>(b"<html>oops</html>", &ctx(Some("text/html"))).unwrap_err();
        assert!(
            matches!(&err, Error::Decode(d) if d.reason == DecodeReason::UnexpectedContentType)
        );
        assert!(err.to_string().contains("text/html"), "{err}");

        // Cut short mid-document: a damaged answer, retried for idempotent requests.
        let err = decode_json::<Thing>(br#"{"items":[{"id":1}"#, &ctx(None)).unwrap_err();
        assert!(matches!(&err, Error::Decode(d) if d.reason == DecodeReason::Truncated));
        assert!(
            err.to_string()
                .ends_with("the body was cut short; body starts with: {\"items\":[{\"id\":1}"),
            "{err}"
        );

        // Markup that claims to be JSON.
        let err = decode_json::<Thing>(b"  <html>502</html>", &ctx(Some("application/json")))
            .unwrap_err();
        assert!(matches!(&err, Error::Decode(d) if d.reason == DecodeReason::Markup));
    }

    #[test]
    fn display_does_not_repeat_the_source() {
        let err =
            decode_json::<Thing>(br#"{"items":[{"id":"x"}]}"#, &ctx(Some("application/json")))
                .unwrap_err();
        let source = std::error::Error::source(&err).expect("the serde error is the source");
        assert!(!err.to_string().contains(&source.to_string()), "{err}");
    }

    #[test]
    fn secret_bodies_are_not_quoted() {
        let mut c = ctx(Some("application/json"));
        c.quote_body = false;
        let err = decode_json::<Thing>(br#"{"access_token":"SECRET"}"#, &c).unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(!text.contains("SECRET"), "{text}");
    }
}
