//! [`ListRequest`]: a SCIM listing (`GET /{Endpoint}` or `POST /{Endpoint}/.search`).

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use scim_types::{Filter, ListResponse, SearchRequest, SortOrder};

use super::resource::ScimResource;
use super::{SCIM_JSON, ScimClient};
use crate::error::Result;
use crate::paginate::{Items, Page, PageRequest, Pages, Paginator, Strategy};

/// How pages are requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    /// `GET /{Endpoint}?filter=…&startIndex=…&count=…`
    Query,
    /// `POST /{Endpoint}/.search` with a SearchRequest body (keeps filters, which may
    /// hold personal data, out of URLs and logs; allows long filters).
    Search,
}

/// A SCIM listing, built step by step, then streamed.
///
/// Defaults: no filter, the server's order, all default attributes, the client's page size
/// (100), index paging (`startIndex`/`count`), no page cap, no prefetch, `GET`.
#[must_use = "a listing does nothing until it is streamed"]
pub struct ListRequest<R> {
    client: ScimClient,
    query: SearchRequest,
    page_size: u32,
    max_pages: Option<u64>,
    prefetch: usize,
    cursor: bool,
    transport: Transport,
    _resource: PhantomData<fn() -> R>,
}

impl<R: ScimResource> ListRequest<R> {
    pub(super) fn new(client: ScimClient) -> Self {
        let page_size = client.default_page_size();
        Self {
            client,
            query: SearchRequest::new(),
            page_size,
            max_pages: None,
            prefetch: 0,
            cursor: false,
            transport: Transport::Query,
            _resource: PhantomData,
        }
    }

    /// Only resources matching `filter` (RFC 7644 §3.4.2.2).
    pub fn filter(mut self, filter: Filter) -> Self {
        self.query = self.query.filter(filter);
        self
    }

    /// Sorts by an attribute (servers may ignore it; see `sort.supported`).
    pub fn sort_by(mut self, attribute: impl Into<String>) -> Self {
        self.query = self.query.sort_by(attribute);
        self
    }

    /// Sort direction.
    pub fn sort_order(mut self, order: SortOrder) -> Self {
        self.query = self.query.sort_order(order);
        self
    }

    /// Only these attributes (plus those the server always returns).
    pub fn attributes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, attributes: I) -> Self {
        self.query = self.query.attributes(attributes);
        self
    }

    /// All default attributes but these.
    pub fn excluded_attributes<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        attributes: I,
    ) -> Self {
        self.query = self.query.excluded_attributes(attributes);
        self
    }

    /// Resources per page (`count`, at least 1).
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size.max(1);
        self
    }

    /// Stops after this many pages.
    pub fn max_pages(mut self, pages: u64) -> Self {
        self.max_pages = Some(pages);
        self
    }

    /// Keeps up to `pages` further page requests in flight (index paging only).
    pub fn prefetch(mut self, pages: usize) -> Self {
        self.prefetch = pages;
        self
    }

    /// Uses RFC 9865 cursor paging instead of `startIndex`.
    pub fn cursor_paging(mut self) -> Self {
        self.cursor = true;
        self
    }

    /// Sends the query as `POST /{Endpoint}/.search` (RFC 7644 §3.4.3) instead of a
    /// query string.
    pub fn via_search(mut self) -> Self {
        self.transport = Transport::Search;
        self
    }

    /// The matching resources, as a lazy `Send + Unpin + 'static` stream that ends
    /// cleanly only when the server's answers show everything arrived (then
    /// [`Items::summary`] says how), and otherwise with
    /// [`Error::IncompleteListing`](crate::Error::IncompleteListing).
    pub fn stream(self) -> Items<R> {
        self.paginator().items()
    }

    /// The pages of matching resources, as a lazy `Send + Unpin + 'static` stream (see
    /// [`stream`](Self::stream) for how it ends).
    pub fn pages(self) -> Pages<R> {
        self.paginator().pages()
    }

    fn paginator(self) -> Paginator<R> {
        let strategy = if self.cursor {
            Strategy::cursor(Some(self.page_size))
        } else {
            Strategy::scim_index(self.page_size)
        };
        let fetcher = Fetcher {
            client: self.client,
            query: Arc::new(self.query),
            transport: self.transport,
            _resource: PhantomData,
        };
        let mut paginator = Paginator::new(strategy, move |req| fetcher.clone().fetch(req))
            .prefetch(self.prefetch)
            .dedup_by(dedup_key::<R>);
        if let Some(max) = self.max_pages {
            paginator = paginator.max_pages(max);
        }
        paginator
    }
}

/// Identifies a resource for the paginator's repeat guard: its `id`, or for the rare
/// resource without one, its whole JSON (so distinct id-less resources are never merged).
fn dedup_key<R: ScimResource>(r: &R) -> Cow<'_, str> {
    match r.resource_id() {
        Some(id) => Cow::Borrowed(id),
        None => Cow::Owned(serde_json::to_string(r).unwrap_or_default()),
    }
}

#[derive(Clone, Copy)]
enum RequestKind {
    Index,
    Other,
}

struct Fetcher<R> {
    client: ScimClient,
    query: Arc<SearchRequest>,
    transport: Transport,
    _resource: PhantomData<fn() -> R>,
}

impl<R> Clone for Fetcher<R> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            query: self.query.clone(),
            transport: self.transport,
            _resource: PhantomData,
        }
    }
}

impl<R: ScimResource> Fetcher<R> {
    async fn fetch(self, request: PageRequest) -> Result<Page<R>> {
        let mut query = (*self.query).clone();
        let request_kind = match request {
            PageRequest::Index { .. } => RequestKind::Index,
            _ => RequestKind::Other,
        };
        match request {
            PageRequest::Index { start_index, count } => {
                query = query.start_index(start_index).count(u64::from(count));
            }
            PageRequest::Cursor { cursor, size } => {
                // RFC 9865: an empty `cursor` asks for the first page in cursor mode.
                query = query.cursor(cursor.unwrap_or_default());
                if let Some(size) = size {
                    query = query.count(u64::from(size));
                }
            }
            _ => {}
        }
        let op = format!("scim.{}.list", R::ENDPOINT.to_ascii_lowercase());
        let http = self.client.http();
        let list: ListResponse<R> = match self.transport {
            Transport::Query => {
                let mut req = http.get([R::ENDPOINT]).operation(op);
                for (key, value) in query.to_query_pairs() {
                    req = req.query(key, value);
                }
                req.send_json().await?
            }
            Transport::Search => {
                http.post([R::ENDPOINT, ".search"])
                    .json_as(&query, SCIM_JSON)
                    // A search changes nothing on the server: safe to retry.
                    .idempotent(true)
                    .operation(op)
                    .send_json()
                    .await?
            }
        };
        let total = list.reported_total();
        let reported = list.resources_reported();
        let start_index = match request_kind {
            // Only index paging asks for a position; a cursor page's echo means nothing.
            RequestKind::Index => list.start_index,
            RequestKind::Other => None,
        };
        Ok(Page::new(list.resources)
            .with_total(total)
            .with_next_cursor(list.next_cursor)
            .with_start_index(start_index)
            .with_items_reported(reported))
    }
}

impl<R> fmt::Debug for ListRequest<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListRequest")
            .field("query", &self.query)
            .field("page_size", &self.page_size)
            .field("max_pages", &self.max_pages)
            .field("cursor", &self.cursor)
            .field("transport", &self.transport)
            .finish_non_exhaustive()
    }
}
