//! Internal tracing glue: real spans with the `tracing` feature, nothing without it.
//!
//! Field names follow the OpenTelemetry HTTP client conventions (as kube-rs does).
//! Only the method, the path (never the query, which can carry personal data), the
//! status and the attempt number are recorded: never a header, never a body.

use std::future::Future;

#[cfg(feature = "tracing")]
mod imp {
    use std::future::Future;

    use tracing::Instrument as _;

    pub(crate) type Span = tracing::Span;

    pub(crate) fn operation(
        name: Option<&str>,
        method: &'static str,
        path: &str,
        host: &str,
    ) -> Span {
        tracing::info_span!(
            "http.client.operation",
            otel.name = %super::OperationName { name, method, path },
            otel.kind = "client",
            http.request.method = method,
            url.path = %path,
            server.address = %host,
            http.response.status_code = tracing::field::Empty,
            error.type = tracing::field::Empty,
        )
    }

    pub(crate) fn attempt(number: u32) -> Span {
        tracing::debug_span!(
            "http.client.attempt",
            retry.attempt = number,
            http.response.status_code = tracing::field::Empty,
        )
    }

    pub(crate) fn record_status(span: &Span, status: u16) {
        span.record("http.response.status_code", status);
    }

    pub(crate) fn record_error(span: &Span, kind: &'static str) {
        span.record("error.type", kind);
    }

    pub(crate) fn in_span<F: Future>(fut: F, span: Span) -> impl Future<Output = F::Output> {
        fut.instrument(span)
    }

    pub(crate) fn retrying(attempt: u32, delay: std::time::Duration, reason: &str) {
        tracing::debug!(
            retry.attempt = attempt,
            retry.delay_ms = delay.as_millis() as u64,
            reason,
            "retrying"
        );
    }

    pub(crate) fn warn(message: &str) {
        tracing::warn!("{message}");
    }
}

#[cfg(not(feature = "tracing"))]
mod imp {
    use std::future::Future;

    #[derive(Clone, Debug)]
    pub(crate) struct Span;

    pub(crate) fn operation(_: Option<&str>, _: &'static str, _: &str, _: &str) -> Span {
        Span
    }

    pub(crate) fn attempt(_: u32) -> Span {
        Span
    }

    pub(crate) fn record_status(_: &Span, _: u16) {}

    pub(crate) fn record_error(_: &Span, _: &'static str) {}

    pub(crate) fn in_span<F: Future>(fut: F, _: Span) -> impl Future<Output = F::Output> {
        fut
    }

    pub(crate) fn retrying(_: u32, _: std::time::Duration, _: &str) {}

    pub(crate) fn warn(_: &str) {}
}

pub(crate) use imp::{Span, attempt, operation, record_error, record_status, retrying, warn};

/// An operation's name: the caller's, or "METHOD /path". Formatted only when a subscriber
/// records the span, so an untraced request allocates nothing for it.
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
struct OperationName<'a> {
    name: Option<&'a str>,
    method: &'static str,
    path: &'a str,
}

impl std::fmt::Display for OperationName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.name {
            Some(name) => f.write_str(name),
            None => write!(f, "{} {}", self.method, self.path),
        }
    }
}

/// Runs `fut` inside `span`.
pub(crate) fn instrument<F: Future>(fut: F, span: Span) -> impl Future<Output = F::Output> {
    imp::in_span(fut, span)
}
