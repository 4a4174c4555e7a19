//! [`Request`]: one call, built step by step, then sent.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use reqwest::header::{HeaderName, HeaderValue};
use secrecy::SecretString;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Method;
use super::client::{HttpClient, Prepared};
use super::response::Response;
use crate::auth::header_name;
use crate::error::{Error, Result, quote};
use crate::path::{ApiPath, push_query_pair};

/// One request, built with chained calls and sent with [`send`](Request::send),
/// [`send_json`](Request::send_json) or [`send_empty`](Request::send_empty).
///
/// Builder mistakes (a bad header, a body that cannot be serialised, a bad path segment)
/// are kept and returned by `send` as [`Error::InvalidInput`], before anything is sent.
///
/// ```no_run
/// # async fn run(client: idgraph_common::HttpClient) -> idgraph_common::Result<()> {
/// #[derive(serde::Serialize)]
/// struct NewGroup<'a> { name: &'a str }
/// #[derive(serde::Deserialize)]
/// struct Group { id: String }
///
/// let group: Group = client
///     .post(["groups"])
///     .json(&NewGroup { name: "Auditors" })
///     .operation("hyperproof.groups.create")
///     .send_json()
///     .await?;
/// # let _ = group.id; Ok(()) }
/// ```
#[must_use = "a request does nothing until it is sent"]
pub struct Request {
    client: HttpClient,
    method: Method,
    path: Result<ApiPath>,
    query: String,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Option<(Bytes, &'static str)>,
    idempotent: Option<bool>,
    operation: Option<Cow<'static, str>>,
    secrets: Vec<SecretString>,
    error: Option<Error>,
}

/// The longest URL an HTTP client can carry (`http::Uri` refuses longer ones): a longer
/// one is refused before sending, as the caller's input error it is.
const MAX_URL_LEN: usize = u16::MAX as usize - 1;

impl Request {
    pub(crate) fn new(client: HttpClient, method: Method, path: Result<ApiPath>) -> Self {
        Self {
            client,
            method,
            path,
            query: String::new(),
            headers: Vec::new(),
            body: None,
            idempotent: None,
            operation: None,
            secrets: Vec::new(),
            error: None,
        }
    }

    /// Adds a query parameter; key and value are percent-encoded (a space is `%20`).
    pub fn query(mut self, key: &str, value: impl fmt::Display) -> Self {
        push_query_pair(&mut self.query, key, &value.to_string());
        self
    }

    /// Adds a query parameter when `value` is `Some`.
    pub fn query_opt(self, key: &str, value: Option<impl fmt::Display>) -> Self {
        match value {
            Some(v) => self.query(key, v),
            None => self,
        }
    }

    /// Adds a header (not for secrets: those belong in an auth provider).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        match (header_name(name), HeaderValue::from_str(value)) {
            (Ok(n), Ok(v)) => self.headers.push((n, v)),
            _ => self.fail(Error::invalid_input(format!(
                "the {} header has an invalid name or value",
                quote(name)
            ))),
        }
        self
    }

    /// Sends `body` as JSON (`Content-Type: application/json`).
    pub fn json<T: Serialize + ?Sized>(self, body: &T) -> Self {
        self.json_as(body, "application/json")
    }

    /// Sends `body` as JSON with another JSON content type, such as
    /// `application/scim+json`.
    pub fn json_as<T: Serialize + ?Sized>(mut self, body: &T, content_type: &'static str) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.body = Some((Bytes::from(bytes), content_type)),
            Err(e) => self.fail(Error::invalid_input(format!(
                "the request body could not be serialised as JSON: {e}"
            ))),
        }
        self
    }

    /// Sends a `application/x-www-form-urlencoded` body.
    pub fn form(mut self, pairs: &[(&str, &str)]) -> Self {
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        self.body = Some((Bytes::from(body), "application/x-www-form-urlencoded"));
        self
    }

    /// Overrides whether the request may be retried after it may have reached the
    /// server (by default: every method but POST and PATCH).
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = Some(idempotent);
        self
    }

    /// Names the operation in traces (for example `probo.users.get`).
    pub fn operation(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.operation = Some(name.into());
        self
    }

    /// Declares a secret this request carries in its body (for example a temporary
    /// password in a create): like the credentials, it is removed from anything an error
    /// quotes of the response, in every encoding.
    pub fn sensitive(mut self, secret: &SecretString) -> Self {
        self.secrets.push(secret.clone());
        self
    }

    fn fail(&mut self, e: Error) {
        self.error.get_or_insert(e);
    }

    fn prepare(self) -> Result<(HttpClient, Prepared)> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let path = self.path?;
        let url = self.client.url_for(path.as_str(), &self.query);
        if url.as_str().len() > MAX_URL_LEN {
            return Err(Error::invalid_input(format!(
                "the URL of {} {} would be {} bytes long, more than the {MAX_URL_LEN} an HTTP request can carry; send long filters in a body (SCIM: via_search)",
                self.method,
                path,
                url.as_str().len()
            )));
        }
        let secrets = (!self.secrets.is_empty()).then(|| Arc::from(self.secrets));
        let shown = match path.as_str() {
            "" => "/", // the root, as `ApiPath` displays it
            encoded => encoded,
        };
        let prepared = Prepared {
            method: self.method,
            url,
            path: Arc::from(shown),
            headers: self.headers,
            body: self.body,
            idempotent: self.idempotent.unwrap_or(self.method.is_idempotent()),
            operation: self.operation,
            secrets,
        };
        Ok((self.client, prepared))
    }

    /// Sends the request. A non-success status is an [`Error::Api`].
    pub async fn send(self) -> Result<Response> {
        let (client, prepared) = self.prepare()?;
        client.execute(prepared).await
    }

    /// Sends the request and decodes the JSON body into `T`.
    ///
    /// For an idempotent request, a success body that arrives cut short, empty or not as
    /// JSON (an HTML error page with status 200) is retried within the retry policy like
    /// a reset connection, so one damaged answer does not end a long listing.
    pub async fn send_json<T: DeserializeOwned>(self) -> Result<T> {
        let (client, prepared) = self.prepare()?;
        client.execute_json(prepared).await
    }

    /// Sends the request and ignores the body (204 No Content and the like).
    pub async fn send_empty(self) -> Result<()> {
        self.send().await.map(drop)
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path.as_ref().map(ApiPath::as_str).ok())
            .field("has_body", &self.body.is_some())
            .finish_non_exhaustive()
    }
}
