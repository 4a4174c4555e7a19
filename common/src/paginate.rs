//! The pagination engine: one paginator, four strategies, the guards written once.
//!
//! A [`Paginator`] asks a fetch function for pages ([`PageRequest`] → [`Page`]) and turns
//! them into a lazy stream of pages ([`Paginator::pages`]) or of items
//! ([`Paginator::items`]); both are `Send + 'static` and make no request before the first
//! poll.
//!
//! Strategies: page number (`page`/`pageSize`), SCIM index (`startIndex`/`count`, RFC 7644
//! §3.4.2.4), cursor (RFC 9865, `nextToken`, …) and unpaginated (one request).
//!
//! Guards, so that a listing always ends and never repeats an item:
//!
//! * an **empty page** ends the stream;
//! * a **known total** (`totalResults`, `total`) ends it once that many items arrived;
//! * a **repeated cursor** ends it (a server handing back a cursor it already gave);
//! * with [`dedup_by`](Paginator::dedup_by), items already seen on the previous page are
//!   dropped, and **a page that adds nothing new** ends the stream: a server that ignores
//!   paging and returns everything on every page yields each item once (memory stays
//!   bounded by one page of keys);
//! * the SCIM index **advances by the items actually received**, never by the echoed
//!   `itemsPerPage` (Probo echoes the requested count while returning everything);
//! * [`max_pages`](Paginator::max_pages) caps the number of pages.
//!
//! Optional [`prefetch`](Paginator::prefetch) keeps up to *n* further page requests in
//! flight for the page-number and index strategies, and still yields pages in order. It
//! assumes full pages; when a page comes back short, the speculative requests are
//! dropped and paging continues from the real position.

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use futures::stream::{self, FuturesOrdered, Stream, StreamExt};

use crate::error::Result;
use crate::trace;

/// What the paginator asks the fetch function for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PageRequest {
    /// A page by number.
    Number {
        /// Page number (starting at the strategy's first page).
        page: u64,
        /// Items per page.
        size: u32,
    },
    /// A SCIM index page (RFC 7644 §3.4.2.4).
    Index {
        /// 1-based index of the first item.
        start_index: u64,
        /// Items wanted.
        count: u32,
    },
    /// A cursor page.
    Cursor {
        /// `None` for the first page.
        cursor: Option<String>,
        /// Items per page, when the API takes one.
        size: Option<u32>,
    },
    /// Everything in one request.
    All,
}

/// One page as the server returned it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items (for [`Paginator::pages`] with `dedup_by`, only the new ones).
    pub items: Vec<T>,
    /// The total number of items, when the server says.
    pub total: Option<u64>,
    /// The cursor of the next page (cursor strategy); `None` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A page with these items and nothing else known.
    pub fn new(items: Vec<T>) -> Self {
        Self {
            items,
            total: None,
            next_cursor: None,
        }
    }

    /// Sets the total the server reported.
    #[must_use]
    pub fn with_total(mut self, total: Option<u64>) -> Self {
        self.total = total;
        self
    }

    /// Sets the next cursor the server returned.
    #[must_use]
    pub fn with_next_cursor(mut self, cursor: Option<String>) -> Self {
        self.next_cursor = cursor;
        self
    }
}

/// How pages are addressed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Strategy {
    /// `page`/`pageSize`-style numbering.
    PageNumber {
        /// The first page's number (usually 1, sometimes 0).
        first: u64,
        /// Items per page.
        size: u32,
    },
    /// SCIM `startIndex`/`count`, starting at 1.
    Index {
        /// Items per page.
        count: u32,
    },
    /// Opaque cursors.
    Cursor {
        /// Items per page, when the API takes one.
        size: Option<u32>,
    },
    /// One request returns everything.
    Unpaginated,
}

impl Strategy {
    /// Page numbers from 1.
    pub fn page_number(size: u32) -> Self {
        Strategy::PageNumber {
            first: 1,
            size: size.max(1),
        }
    }

    /// SCIM index paging with `count` items per page.
    pub fn scim_index(count: u32) -> Self {
        Strategy::Index {
            count: count.max(1),
        }
    }

    /// Cursor paging.
    pub fn cursor(size: Option<u32>) -> Self {
        Strategy::Cursor { size }
    }

    fn first_request(&self) -> PageRequest {
        match self {
            Strategy::PageNumber { first, size } => PageRequest::Number {
                page: *first,
                size: *size,
            },
            Strategy::Index { count } => PageRequest::Index {
                start_index: 1,
                count: *count,
            },
            Strategy::Cursor { size } => PageRequest::Cursor {
                cursor: None,
                size: *size,
            },
            Strategy::Unpaginated => PageRequest::All,
        }
    }
}

/// Fetches one page. Implemented for every `Fn(PageRequest) -> impl Future<Output =
/// Result<Page<T>>>` that is `Send + Sync + 'static`.
pub trait FetchPage<T>: Send + Sync + 'static {
    /// Fetches the page described by `request`.
    fn fetch(&self, request: PageRequest) -> BoxFuture<'static, Result<Page<T>>>;
}

impl<T, F, Fut> FetchPage<T> for F
where
    F: Fn(PageRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Page<T>>> + Send + 'static,
{
    fn fetch(&self, request: PageRequest) -> BoxFuture<'static, Result<Page<T>>> {
        Box::pin(self(request))
    }
}

type KeyFn<T> = Arc<dyn Fn(&T) -> String + Send + Sync>;

/// A lazy, guarded listing. See the [module docs](self).
///
/// ```
/// use futures::TryStreamExt;
/// use idgraph_common::paginate::{Page, PageRequest, Paginator, Strategy};
///
/// # async fn run() -> idgraph_common::Result<()> {
/// // A server with 5 items that ignores paging and returns all of them every time.
/// let fetch = |_req: PageRequest| async {
///     Ok(Page::new((1..=5).map(|i| i.to_string()).collect()))
/// };
/// let items: Vec<String> = Paginator::new(Strategy::scim_index(2), fetch)
///     .dedup_by(|s: &String| s.clone())
///     .items()
///     .try_collect()
///     .await?;
/// assert_eq!(items, ["1", "2", "3", "4", "5"]);
/// # Ok(()) }
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(run()).unwrap();
/// ```
#[must_use = "a paginator does nothing until its stream is polled"]
pub struct Paginator<T> {
    fetcher: Arc<dyn FetchPage<T>>,
    strategy: Strategy,
    max_pages: Option<u64>,
    prefetch: usize,
    dedup: Option<KeyFn<T>>,
}

impl<T: Send + 'static> Paginator<T> {
    /// A paginator over `fetch` with the given strategy.
    pub fn new(strategy: Strategy, fetch: impl FetchPage<T>) -> Self {
        Self {
            fetcher: Arc::new(fetch),
            strategy,
            max_pages: None,
            prefetch: 0,
            dedup: None,
        }
    }

    /// Stops after this many pages (a cap, not an error). Default: no cap.
    pub fn max_pages(mut self, pages: u64) -> Self {
        self.max_pages = Some(pages);
        self
    }

    /// Keeps up to `pages` further requests in flight (page-number and index strategies
    /// only; pages are still yielded in order). Default 0.
    pub fn prefetch(mut self, pages: usize) -> Self {
        self.prefetch = pages;
        self
    }

    /// Identifies items, so that items repeated from the previous page are dropped and a
    /// page with nothing new ends the listing.
    pub fn dedup_by(mut self, key: impl Fn(&T) -> String + Send + Sync + 'static) -> Self {
        self.dedup = Some(Arc::new(key));
        self
    }

    /// The pages, in order.
    pub fn pages(self) -> impl Stream<Item = Result<Page<T>>> + Send + 'static {
        let state = State {
            next: Some(self.strategy.first_request()),
            fetcher: self.fetcher,
            strategy: self.strategy,
            max_pages: self.max_pages,
            prefetch: self.prefetch,
            dedup: self.dedup,
            inflight: FuturesOrdered::new(),
            inflight_requests: VecDeque::new(),
            received: 0,
            total: None,
            pages: 0,
            seen_cursors: HashSet::new(),
            prev_keys: None,
        };
        stream::unfold(state, |mut s| async move {
            let page = s.next_page().await?;
            Some((page, s))
        })
    }

    /// The items, in order.
    pub fn items(self) -> impl Stream<Item = Result<T>> + Send + 'static {
        Items {
            pages: Box::pin(self.pages()),
            current: Vec::new().into_iter(),
        }
    }
}

/// The items of a page stream. Hand-written rather than `try_flatten`: each item moves
/// out of the page once (items can be large structs), and a finished page's buffer is
/// freed before the next page is fetched, so at most one page of items is alive.
struct Items<T> {
    pages: Pin<Box<dyn Stream<Item = Result<Page<T>>> + Send>>,
    current: std::vec::IntoIter<T>,
}

// Nothing is pinned structurally: `pages` is already boxed and `current` is moved freely.
impl<T> Unpin for Items<T> {}

impl<T> Stream for Items<T> {
    type Item = Result<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<T>>> {
        loop {
            if let Some(item) = self.current.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            // Free the exhausted page's buffer before waiting for the next one.
            self.current = Vec::new().into_iter();
            match self.pages.as_mut().poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(Some(Ok(page))) => self.current = page.items.into_iter(),
            }
        }
    }
}

impl<T> std::fmt::Debug for Paginator<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Paginator")
            .field("strategy", &self.strategy)
            .field("max_pages", &self.max_pages)
            .field("prefetch", &self.prefetch)
            .field("dedup", &self.dedup.is_some())
            .finish_non_exhaustive()
    }
}

struct State<T> {
    fetcher: Arc<dyn FetchPage<T>>,
    strategy: Strategy,
    /// The next request in sequence; `None` once the listing is over.
    next: Option<PageRequest>,
    max_pages: Option<u64>,
    prefetch: usize,
    dedup: Option<KeyFn<T>>,
    inflight: FuturesOrdered<BoxFuture<'static, Result<Page<T>>>>,
    inflight_requests: VecDeque<PageRequest>,
    /// Items received so far, as the server sent them (before dedup).
    received: u64,
    total: Option<u64>,
    pages: u64,
    seen_cursors: HashSet<String>,
    prev_keys: Option<HashSet<String>>,
}

impl<T: Send + 'static> State<T> {
    async fn next_page(&mut self) -> Option<Result<Page<T>>> {
        loop {
            let request = self.next.clone()?;
            if self.max_pages.is_some_and(|max| self.pages >= max) {
                self.next = None;
                return None;
            }
            self.fill_inflight(&request);
            let fetched = self.inflight.next().await?;
            let _ = self.inflight_requests.pop_front();
            let page = match fetched {
                Ok(page) => page,
                Err(e) => {
                    self.stop();
                    return Some(Err(e));
                }
            };
            match self.accept(request, page) {
                Some(page) => return Some(Ok(page)),
                None if self.next.is_none() => return None,
                // Every item was a repeat but paging goes on (cannot happen today: a page
                // with nothing new ends the listing). Kept as a loop for clarity.
                None => continue,
            }
        }
    }

    fn stop(&mut self) {
        self.next = None;
        self.inflight = FuturesOrdered::new();
        self.inflight_requests.clear();
    }

    /// Makes sure `request` is in flight at the front, with speculative followers.
    fn fill_inflight(&mut self, request: &PageRequest) {
        if self.inflight_requests.front() != Some(request) {
            self.inflight = FuturesOrdered::new();
            self.inflight_requests.clear();
        }
        if self.inflight_requests.is_empty() {
            self.push(request.clone());
        }
        let budget = self
            .max_pages
            .map_or(u64::MAX, |m| m.saturating_sub(self.pages));
        while self.inflight_requests.len() <= self.prefetch
            && (self.inflight_requests.len() as u64) < budget
        {
            let Some(last) = self.inflight_requests.back() else {
                break;
            };
            let Some(next) = self.speculate(last) else {
                break;
            };
            self.push(next);
        }
    }

    fn push(&mut self, request: PageRequest) {
        self.inflight.push_back(self.fetcher.fetch(request.clone()));
        self.inflight_requests.push_back(request);
    }

    /// The request after `last` assuming full pages, when it can be known in advance.
    fn speculate(&self, last: &PageRequest) -> Option<PageRequest> {
        let next = match last {
            PageRequest::Number { page, size } => PageRequest::Number {
                page: page + 1,
                size: *size,
            },
            PageRequest::Index { start_index, count } => PageRequest::Index {
                start_index: start_index + u64::from(*count),
                count: *count,
            },
            _ => return None,
        };
        // Never ask past a known total.
        if let Some(total) = self.total {
            let first_item = match (&next, &self.strategy) {
                (PageRequest::Number { page, size }, Strategy::PageNumber { first, .. }) => {
                    (page - first) * u64::from(*size) + 1
                }
                (PageRequest::Index { start_index, .. }, _) => *start_index,
                _ => return None,
            };
            if first_item > total {
                return None;
            }
        }
        Some(next)
    }

    /// Applies the guards to a fetched page; decides the next request.
    fn accept(&mut self, request: PageRequest, mut page: Page<T>) -> Option<Page<T>> {
        let raw = page.items.len() as u64;
        if raw == 0 {
            self.stop();
            return None;
        }
        self.received += raw;
        if page.total.is_some() {
            self.total = page.total;
        }
        let mut next = match &request {
            PageRequest::Number { page, size } => Some(PageRequest::Number {
                page: page + 1,
                size: *size,
            }),
            PageRequest::Index { start_index, count } => Some(PageRequest::Index {
                start_index: start_index + raw,
                count: *count,
            }),
            PageRequest::Cursor { cursor, size } => match page.next_cursor.clone() {
                None => None,
                Some(c) if c.is_empty() => None,
                Some(c)
                    if cursor.as_deref() == Some(c.as_str())
                        || !self.seen_cursors.insert(c.clone()) =>
                {
                    trace::warn(
                        "the server returned a cursor it had already returned; stopping the listing",
                    );
                    None
                }
                Some(c) => Some(PageRequest::Cursor {
                    cursor: Some(c),
                    size: *size,
                }),
            },
            PageRequest::All => None,
        };
        if self.total.is_some_and(|t| self.received >= t) {
            next = None;
        }
        if let Some(key) = &self.dedup {
            // Each key is computed once; the previous page's set is reused.
            let keys: Vec<String> = page.items.iter().map(|i| key(i)).collect();
            let mut set = match self.prev_keys.take() {
                Some(prev) => {
                    if keys.iter().any(|k| prev.contains(k)) {
                        let mut in_order = keys.iter();
                        page.items
                            .retain(|_| in_order.next().is_some_and(|k| !prev.contains(k)));
                        if page.items.is_empty() {
                            // The server ignores paging (or looped): nothing new, so stop.
                            self.stop();
                            return None;
                        }
                    }
                    let mut set = prev;
                    set.clear();
                    set
                }
                None => HashSet::with_capacity(keys.len()),
            };
            set.extend(keys);
            self.prev_keys = Some(set);
        }
        self.pages += 1;
        match next {
            Some(n) => self.next = Some(n),
            None => self.stop(),
        }
        Some(page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::TryStreamExt;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A fake server over `n` items that honours index paging, optionally lying.
    fn index_server(n: u64, ignore_paging: bool, report_total: bool) -> impl FetchPage<u64> {
        move |req: PageRequest| async move {
            let PageRequest::Index { start_index, count } = req else {
                panic!("{req:?}")
            };
            let items: Vec<u64> = if ignore_paging {
                (1..=n).collect()
            } else {
                (start_index..start_index + u64::from(count))
                    .filter(|i| *i <= n)
                    .collect()
            };
            Ok(Page::new(items).with_total(report_total.then_some(n)))
        }
    }

    async fn collect<T: Send + 'static>(p: Paginator<T>) -> Vec<T> {
        p.items().try_collect().await.unwrap()
    }

    #[tokio::test]
    async fn index_paging_walks_every_page() {
        let items = collect(Paginator::new(
            Strategy::scim_index(20),
            index_server(150, false, true),
        ))
        .await;
        assert_eq!(items, (1..=150).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn empty_page_ends_the_listing() {
        // No total: only the empty page stops it.
        let items = collect(Paginator::new(
            Strategy::scim_index(20),
            index_server(45, false, false),
        ))
        .await;
        assert_eq!(items.len(), 45);
    }

    #[tokio::test]
    async fn known_total_ends_the_listing_without_an_extra_request() {
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        let inner = index_server(40, false, true);
        let fetch = move |r| {
            c.fetch_add(1, Ordering::SeqCst);
            inner.fetch(r)
        };
        let items = collect(Paginator::new(Strategy::scim_index(20), fetch)).await;
        assert_eq!(items.len(), 40);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_server_that_ignores_paging_yields_each_item_once() {
        // Echoes nothing useful and returns all 250 every time; no total either.
        let p = Paginator::new(Strategy::scim_index(100), index_server(250, true, false))
            .dedup_by(|i: &u64| i.to_string());
        let items = collect(p).await;
        assert_eq!(items, (1..=250).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn items_repeated_from_the_previous_page_are_dropped_in_order() {
        // Pages overlap by two items: 1-5, 4-8, 7-10.
        let fetch = |req: PageRequest| async move {
            let PageRequest::Index { start_index, .. } = req else {
                unreachable!()
            };
            let from = match start_index {
                1 => 1,
                6 => 4,
                _ => 7,
            };
            let items: Vec<u64> = (from..from + 5).filter(|i| *i <= 10).collect();
            Ok(Page::new(items).with_total(Some(14)))
        };
        let p = Paginator::new(Strategy::scim_index(5), fetch).dedup_by(|i: &u64| i.to_string());
        let items: Vec<u64> = p.items().take(10).try_collect().await.unwrap();
        assert_eq!(items, (1..=10).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn index_advances_by_items_received_not_requested() {
        let starts = Arc::new(Mutex::new(Vec::new()));
        let s = starts.clone();
        // The server caps pages at 7 items whatever the count asked.
        let fetch = move |req: PageRequest| {
            let s = s.clone();
            async move {
                let PageRequest::Index { start_index, .. } = req else {
                    unreachable!()
                };
                s.lock().unwrap().push(start_index);
                let items: Vec<u64> = (start_index..start_index + 7)
                    .filter(|i| *i <= 20)
                    .collect();
                Ok(Page::new(items).with_total(Some(20)))
            }
        };
        let items = collect(Paginator::new(Strategy::scim_index(10), fetch)).await;
        assert_eq!(items, (1..=20).collect::<Vec<_>>());
        assert_eq!(*starts.lock().unwrap(), [1, 8, 15]);
    }

    #[tokio::test]
    async fn repeated_cursor_ends_the_listing() {
        let fetch = |req: PageRequest| async move {
            let PageRequest::Cursor { cursor, .. } = req else {
                unreachable!()
            };
            Ok(match cursor.as_deref() {
                None => Page::new(vec![1, 2]).with_next_cursor(Some("a".into())),
                Some("a") => Page::new(vec![3, 4]).with_next_cursor(Some("b".into())),
                // The server loops back to an old cursor.
                _ => Page::new(vec![5]).with_next_cursor(Some("a".into())),
            })
        };
        let items = collect(Paginator::new(Strategy::cursor(None), fetch)).await;
        assert_eq!(items, [1, 2, 3, 4, 5]);
    }

    #[tokio::test]
    async fn cursor_paging_stops_without_a_next_cursor() {
        let fetch = |req: PageRequest| async move {
            let PageRequest::Cursor { cursor, .. } = req else {
                unreachable!()
            };
            Ok(match cursor.as_deref() {
                None => Page::new(vec![1]).with_next_cursor(Some("x".into())),
                _ => Page::new(vec![2]),
            })
        };
        assert_eq!(
            collect(Paginator::new(Strategy::cursor(Some(1)), fetch)).await,
            [1, 2]
        );
    }

    #[tokio::test]
    async fn page_numbers_and_max_pages() {
        let fetch = |req: PageRequest| async move {
            let PageRequest::Number { page, size } = req else {
                unreachable!()
            };
            let start = (page - 1) * u64::from(size);
            Ok(Page::new(
                (start..start + u64::from(size)).collect::<Vec<u64>>(),
            ))
        };
        let items = collect(Paginator::new(Strategy::page_number(10), fetch).max_pages(3)).await;
        assert_eq!(items.len(), 30);
    }

    #[tokio::test]
    async fn unpaginated_makes_one_request() {
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        let fetch = move |req: PageRequest| {
            assert_eq!(req, PageRequest::All);
            c.fetch_add(1, Ordering::SeqCst);
            async { Ok(Page::new(vec![1, 2, 3])) }
        };
        assert_eq!(
            collect(Paginator::new(Strategy::Unpaginated, fetch)).await,
            [1, 2, 3]
        );
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn nothing_is_requested_before_the_first_poll() {
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        let fetch = move |_| {
            c.fetch_add(1, Ordering::SeqCst);
            async { Ok(Page::new(vec![1])) }
        };
        let stream = Paginator::new(Strategy::Unpaginated, fetch).items();
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        drop(stream);
        assert_eq!(calls.load(Ordering::SeqCst), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn prefetch_keeps_order_and_runs_requests_concurrently() {
        let in_flight = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let (f, p) = (in_flight.clone(), peak.clone());
        let fetch = move |req: PageRequest| {
            let (f, p) = (f.clone(), p.clone());
            async move {
                let PageRequest::Index { start_index, count } = req else {
                    unreachable!()
                };
                let now = f.fetch_add(1, Ordering::SeqCst) + 1;
                p.fetch_max(now, Ordering::SeqCst);
                // Later pages answer faster, to prove the order is kept anyway.
                let delay = 1000 - start_index.min(999);
                tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
                f.fetch_sub(1, Ordering::SeqCst);
                let items: Vec<u64> = (start_index..start_index + u64::from(count))
                    .filter(|i| *i <= 100)
                    .collect();
                Ok(Page::new(items).with_total(Some(100)))
            }
        };
        let items = collect(Paginator::new(Strategy::scim_index(10), fetch).prefetch(4)).await;
        assert_eq!(items, (1..=100).collect::<Vec<_>>());
        assert_eq!(peak.load(Ordering::SeqCst), 5);
    }

    #[tokio::test]
    async fn prefetch_recovers_from_a_short_page() {
        // Pages are capped at 6 items: every speculative request is wrong.
        let fetch = |req: PageRequest| async move {
            let PageRequest::Index { start_index, .. } = req else {
                unreachable!()
            };
            let items: Vec<u64> = (start_index..start_index + 6)
                .filter(|i| *i <= 50)
                .collect();
            Ok(Page::new(items).with_total(Some(50)))
        };
        let items = collect(Paginator::new(Strategy::scim_index(10), fetch).prefetch(3)).await;
        assert_eq!(items, (1..=50).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn an_error_ends_the_stream_after_being_yielded() {
        let fetch = |req: PageRequest| async move {
            let PageRequest::Number { page, .. } = req else {
                unreachable!()
            };
            if page == 2 {
                Err(crate::Error::invalid_input("boom"))
            } else {
                Ok(Page::new(vec![page]))
            }
        };
        let results: Vec<_> = Paginator::new(Strategy::page_number(1), fetch)
            .items()
            .collect()
            .await;
        assert_eq!(results.len(), 2);
        assert!(results[0].is_ok());
        assert!(results[1].is_err());
    }

    #[test]
    fn streams_are_send_and_static() {
        fn assert_send_static<S: Send + 'static>(_: &S) {}
        let s = Paginator::new(Strategy::Unpaginated, |_| async {
            Ok(Page::new(vec![1u8]))
        })
        .items();
        assert_send_static(&s);
    }
}
