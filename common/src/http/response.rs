//! [`Response`]: a success answer, body fully read.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use super::body::{self, Ctx, DecodeCtx};
use crate::error::Result;
use crate::redact::Redaction;

/// A success (2xx) response with its body read.
pub struct Response {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
    method: &'static str,
    path: Arc<str>,
    /// What the request sent that a decode error must not quote back.
    redaction: Redaction,
}

impl Response {
    pub(crate) fn new(
        status: u16,
        headers: HeaderMap,
        body: Bytes,
        method: &'static str,
        path: Arc<str>,
        redaction: Redaction,
    ) -> Self {
        Self {
            status,
            headers,
            body,
            method,
            path,
            redaction,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// A response header, if present and valid text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }

    /// The `Content-Type`, if any.
    pub fn content_type(&self) -> Option<&str> {
        body::content_type(&self.headers)
    }

    /// The raw body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// `text` from this response's body with the client's secrets removed: every
    /// credential the request carried and every secret it declared
    /// [`sensitive`](super::Request::sensitive), in every encoding, as [`json`](Self::json)'s
    /// errors quote the body. For an error a client builds from part of a success body
    /// (a refused item of a batch answer), which must no more quote a secret than an error
    /// answer may (a server that echoes the request would put them there).
    pub fn redact(&self, text: &str) -> String {
        self.redaction.scrub(text)
    }

    /// Decodes the body as JSON. A mismatch is an [`Error::Decode`](crate::Error::Decode)
    /// naming the JSON path, the content type and the start of the body (with the
    /// client's secrets removed from it).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        body::decode_json(
            &self.body,
            &DecodeCtx {
                status: self.status,
                ctx: Ctx {
                    method: self.method,
                    path: &self.path,
                },
                content_type: self.content_type(),
                quote_body: true,
            },
        )
        .map_err(|e| self.redaction.clean_decoded(e, &self.body))
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}
