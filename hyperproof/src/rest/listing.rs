//! The REST listings. Hyperproof answers `GET /v1/users`, `/v1/groups` and `/v1/roles`
//! with a bare JSON array holding every item: no paging, no total. Each listing is read
//! through `idgraph_common::paginate` as one unpaginated request
//! ([`Strategy::Unpaginated`]), so its streams behave like every other listing of the
//! family: lazy, `Send + Unpin + 'static`, and ending cleanly with a summary that says
//! the one answer held everything ([`StopReason::SingleAnswer`], one page).
//!
//! [`StopReason::SingleAnswer`]: idgraph_common::paginate::StopReason::SingleAnswer

use std::borrow::Cow;
use std::sync::Arc;

use idgraph_common::HttpClient;
use idgraph_common::paginate::{Page, PageRequest, Pages, Paginator, Strategy};
use serde::de::DeserializeOwned;

/// One `GET` of a bare JSON array: where, and with which query.
pub(crate) struct OneAnswer {
    pub(crate) http: HttpClient,
    /// The path below the base URL (one segment).
    pub(crate) path: &'static str,
    /// The operation name for tracing (`hyperproof.users.list`).
    pub(crate) operation: &'static str,
    pub(crate) query: Vec<(&'static str, String)>,
}

impl OneAnswer {
    /// The listing's pages: nothing is sent before the first poll; then exactly one
    /// request. An id that comes twice in the answer ends the listing with
    /// `Error::IncompleteListing` (`RepeatedItems`) rather than yielding it twice.
    pub(crate) fn pages<T>(self, key: fn(&T) -> &str) -> Pages<T>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let request = Arc::new(self);
        Paginator::new(Strategy::Unpaginated, move |_: PageRequest| {
            let request = request.clone();
            async move {
                let mut req = request
                    .http
                    .get([request.path])
                    .operation(request.operation);
                for (key, value) in &request.query {
                    req = req.query(key, value);
                }
                let items: Vec<T> = req.send_json().await?;
                Ok(Page::new(items))
            }
        })
        .dedup_by(move |item: &T| Cow::Borrowed(key(item)))
        .pages()
    }
}
