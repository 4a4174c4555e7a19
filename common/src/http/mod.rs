//! The shared HTTP transport: [`HttpClient`], its builder, per-call [`Request`]s and
//! [`Response`]s.
//!
//! Every call goes through one loop: *take a rate-limiter permit → authorize → send
//! (bounded by the attempt timeout) → read the body (capped) → classify → decide
//! ([`RetryPolicy::decide`](crate::RetryPolicy::decide)) → wait → again*. A 401 gives the
//! auth provider one chance to refresh its credentials.

pub(crate) mod body;
mod builder;
mod client;
mod request;
pub mod request_ids;
mod response;
mod settings;

pub(crate) use builder::validate_base_url;
pub use builder::{
    DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_ERROR_BODY,
    DEFAULT_MAX_RESPONSE_BODY, HttpClientBuilder,
};
pub use client::HttpClient;
pub use request::Request;
pub use response::Response;
pub use settings::TransportSettings;

use std::fmt;

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
    /// `HEAD`
    Head,
}

impl Method {
    /// The method's name, upper case.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
        }
    }

    /// Whether repeating the request has the same effect as sending it once
    /// (RFC 9110 §9.2.2): everything but POST and PATCH. A request can override this
    /// with [`Request::idempotent`].
    pub fn is_idempotent(self) -> bool {
        !matches!(self, Method::Post | Method::Patch)
    }

    pub(crate) fn to_reqwest(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
            Method::Head => reqwest::Method::HEAD,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
