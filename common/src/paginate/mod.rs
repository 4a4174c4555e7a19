//! The pagination engine: one paginator, four strategies, the completeness rules written
//! once.
//!
//! A [`Paginator`] asks a fetch function for pages ([`PageRequest`] → [`Page`]) and turns
//! them into a lazy stream of pages ([`Paginator::pages`] → [`Pages`]) or of items
//! ([`Paginator::items`] → [`Items`]); both are `Send + Unpin + 'static` and make no
//! request before the first poll.
//!
//! Strategies: page number (`page`/`pageSize`), SCIM index (`startIndex`/`count`, RFC 7644
//! §3.4.2.4), cursor (RFC 9865, `nextToken`, …) and unpaginated (one request).
//!
//! # A listing is complete, or it is an error
//!
//! Software that deprovisions people must never act on a silently short listing: whoever
//! is missing is never offboarded. So a listing **ends cleanly only when the server's own
//! answers show that everything arrived**, and then the stream's
//! [`summary`](Items::summary) says how ([`StopReason`]). Otherwise its last item is
//! [`Error::IncompleteListing`](crate::Error::IncompleteListing), naming what was wrong
//! ([`ListingFault`]) and how much had arrived:
//!
//! | The server | Ends as |
//! |---|---|
//! | sends as many distinct items as its reported total | clean: [`StopReason::ReachedTotal`] |
//! | reports no total and sends an empty page | clean: [`StopReason::EmptyPage`] |
//! | reports no total and answers a later page with exactly the first page again (it ignores paging, or wraps around past the end) | clean: [`StopReason::PagingIgnored`]; nothing is yielded twice |
//! | gives no next cursor / answers an unpaginated request, and no total it falls short of | clean: [`StopReason::LastCursor`] / [`StopReason::SingleAnswer`] |
//! | sends an empty page, no next cursor or a last answer before its total arrived | [`ListingFault::EndedBeforeTotal`] |
//! | sends no item list (`Resources` absent or `null`) while reporting results | [`ListingFault::MissingItems`] |
//! | echoes a `startIndex` other than the one requested | [`ListingFault::WrongStartIndex`] |
//! | repeats items that already arrived (other than the whole first page with no total) | [`ListingFault::RepeatedItems`] |
//! | hands back a cursor it already gave | [`ListingFault::CursorLoop`] |
//! | reports a total lower than before | [`ListingFault::TotalDecreased`] |
//!
//! Repeats are recognised only with [`dedup_by`](Paginator::dedup_by), which every
//! listing in this crate family sets. The SCIM index advances by the items actually
//! received, never by the echoed `itemsPerPage` (Probo echoes the requested count while
//! returning everything). [`max_pages`](Paginator::max_pages) caps the number of pages;
//! a listing stopped by it says so ([`StopReason::MaxPages`], not complete).
//!
//! Optional [`prefetch`](Paginator::prefetch) keeps up to *n* further page requests in
//! flight for the page-number and index strategies, and still yields pages in order. It
//! assumes full pages; when a page comes back short, the speculative requests are
//! dropped and paging continues from the real position.

mod dedup;
mod engine;
mod outcome;
mod stream;

use std::borrow::Cow;
use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;

use crate::error::Result;

pub use outcome::{ListingFault, ListingSummary, StopReason};
pub use stream::{Items, Pages};

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
    /// The items.
    pub items: Vec<T>,
    /// The total number of items, when the server says.
    pub total: Option<u64>,
    /// The cursor of the next page (cursor strategy); `None` on the last page.
    pub next_cursor: Option<String>,
    /// Where the server says this page starts (SCIM's echoed `startIndex`), when it says.
    pub start_index: Option<u64>,
    /// `false` when the answer carried no list of items at all (SCIM `Resources` absent
    /// or `null`), as opposed to an empty list.
    pub items_reported: bool,
}

impl<T> Page<T> {
    /// A page with these items and nothing else known.
    pub fn new(items: Vec<T>) -> Self {
        Self {
            items,
            total: None,
            next_cursor: None,
            start_index: None,
            items_reported: true,
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

    /// Sets where the server says the page starts (SCIM `startIndex`).
    #[must_use]
    pub fn with_start_index(mut self, start_index: Option<u64>) -> Self {
        self.start_index = start_index;
        self
    }

    /// Says whether the answer carried a list of items at all (default `true`).
    #[must_use]
    pub fn with_items_reported(mut self, reported: bool) -> Self {
        self.items_reported = reported;
        self
    }

    /// The same page with each item converted by `f`.
    pub fn map_items<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            next_cursor: self.next_cursor,
            start_index: self.start_index,
            items_reported: self.items_reported,
        }
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

/// Names an item for the repeat guard (see [`Paginator::dedup_by`]).
type KeyFn<T> = Arc<dyn for<'a> Fn(&'a T) -> Cow<'a, str> + Send + Sync>;

/// A lazy, guarded listing. See the [module docs](self).
///
/// ```
/// use futures::TryStreamExt;
/// use idgraph_common::paginate::{Page, PageRequest, Paginator, StopReason, Strategy};
///
/// # async fn run() -> idgraph_common::Result<()> {
/// // A server with 5 items that ignores paging, returns all of them every time and
/// // reports no total.
/// let fetch = |_req: PageRequest| async {
///     Ok(Page::new((1..=5).map(|i| i.to_string()).collect()))
/// };
/// let mut items = Paginator::new(Strategy::scim_index(2), fetch)
///     .dedup_by(|s: &String| s.as_str().into())
///     .items();
/// let mut got = Vec::new();
/// while let Some(item) = items.try_next().await? {
///     got.push(item);
/// }
/// assert_eq!(got, ["1", "2", "3", "4", "5"]);
/// assert_eq!(items.summary().unwrap().stop, StopReason::PagingIgnored);
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

    /// Stops after this many pages; the summary then says
    /// [`StopReason::MaxPages`] when more was expected. Default: no cap.
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

    /// Identifies items (by their id), so that the listing recognises repeats: a server
    /// that answers with its first page again and reports no total has ended; any other
    /// repeat is [`ListingFault::RepeatedItems`]. Each key is kept once, as a 64-bit
    /// hash in a table and its bytes in a buffer shared by all keys (no `String` per
    /// item; about 60–90 bytes per item for 36-byte ids, table included), so that a hash
    /// match is checked against the key itself: two ids that share a hash are never
    /// taken for a repeat.
    pub fn dedup_by(mut self, key: impl Fn(&T) -> Cow<'_, str> + Send + Sync + 'static) -> Self {
        self.dedup = Some(Arc::new(key));
        self
    }

    /// The pages, in order.
    pub fn pages(self) -> Pages<T> {
        engine::pages(self)
    }

    /// The items, in order.
    pub fn items(self) -> Items<T> {
        self.pages().items()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;
    use futures::{StreamExt, TryStreamExt};
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

    fn key(i: &u64) -> Cow<'_, str> {
        Cow::Owned(i.to_string())
    }

    async fn collect<T: Send + 'static>(p: Paginator<T>) -> Vec<T> {
        p.items().try_collect().await.unwrap()
    }

    /// Runs a listing to its end: what it yielded, and the error it ended with (if any)
    /// or its summary.
    async fn run<T: Send + 'static>(
        p: Paginator<T>,
    ) -> (Vec<T>, std::result::Result<ListingSummary, Error>) {
        let mut items = p.items();
        let mut got = Vec::new();
        while let Some(item) = items.next().await {
            match item {
                Ok(i) => got.push(i),
                Err(e) => {
                    assert!(
                        items.next().await.is_none(),
                        "the stream goes on after an error"
                    );
                    assert!(items.summary().is_none());
                    return (got, Err(e));
                }
            }
        }
        let summary = items.summary().cloned().expect("a clean end has a summary");
        (got, Ok(summary))
    }

    fn fault(e: &Error) -> &ListingFault {
        match e {
            Error::IncompleteListing { reason, .. } => reason,
            other => panic!("not an incomplete listing: {other}"),
        }
    }

    #[tokio::test]
    async fn index_paging_walks_every_page_and_ends_on_the_total() {
        let (items, end) = run(Paginator::new(
            Strategy::scim_index(20),
            index_server(150, false, true),
        ))
        .await;
        assert_eq!(items, (1..=150).collect::<Vec<_>>());
        let summary = end.unwrap();
        assert_eq!(summary.stop, StopReason::ReachedTotal);
        assert_eq!((summary.pages, summary.items), (8, 150));
        assert_eq!(summary.reported_total, Some(150));
        assert!(summary.is_complete());
    }

    #[tokio::test]
    async fn without_a_total_an_empty_page_ends_the_listing() {
        let (items, end) = run(Paginator::new(
            Strategy::scim_index(20),
            index_server(45, false, false),
        ))
        .await;
        assert_eq!(items.len(), 45);
        assert_eq!(end.unwrap().stop, StopReason::EmptyPage);
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
    async fn a_server_that_ignores_paging_without_a_total_yields_each_item_once() {
        let p =
            Paginator::new(Strategy::scim_index(100), index_server(250, true, false)).dedup_by(key);
        let (items, end) = run(p).await;
        assert_eq!(items, (1..=250).collect::<Vec<_>>());
        assert_eq!(end.unwrap().stop, StopReason::PagingIgnored);
    }

    #[tokio::test]
    async fn a_server_that_ignores_paging_with_a_total_stops_on_the_first_page() {
        let p =
            Paginator::new(Strategy::scim_index(100), index_server(250, true, true)).dedup_by(key);
        let (items, end) = run(p).await;
        assert_eq!(items.len(), 250);
        assert_eq!(end.unwrap().stop, StopReason::ReachedTotal);
    }

    #[tokio::test]
    async fn an_empty_page_before_the_total_is_an_error() {
        // Reports 300 but has 250.
        let fetch = |req: PageRequest| async move {
            let PageRequest::Index { start_index, count } = req else {
                unreachable!()
            };
            let items: Vec<u64> = (start_index..start_index + u64::from(count))
                .filter(|i| *i <= 250)
                .collect();
            Ok(Page::new(items).with_total(Some(300)))
        };
        let (items, end) = run(Paginator::new(Strategy::scim_index(100), fetch)).await;
        assert_eq!(items.len(), 250);
        let err = end.unwrap_err();
        assert_eq!(fault(&err), &ListingFault::EndedBeforeTotal);
        assert!(
            matches!(
                err,
                Error::IncompleteListing {
                    received: 250,
                    expected: Some(300),
                    pages: 3,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(!err.is_retryable());
        assert!(
            err.to_string()
                .contains("250 distinct item(s) in 3 page(s) arrived of a reported 300"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn the_first_page_again_before_the_total_is_an_error() {
        // The issue's case: page 1 comes back at index 201 of a 300-item listing.
        let fetch = |req: PageRequest| async move {
            let PageRequest::Index { start_index, .. } = req else {
                unreachable!()
            };
            let from = if start_index > 200 { 1 } else { start_index };
            Ok(Page::new((from..from + 100).collect::<Vec<u64>>()).with_total(Some(300)))
        };
        let p = Paginator::new(Strategy::scim_index(100), fetch).dedup_by(key);
        let (items, end) = run(p).await;
        assert_eq!(items, (1..=200).collect::<Vec<_>>());
        let err = end.unwrap_err();
        assert_eq!(fault(&err), &ListingFault::RepeatedItems { repeated: 100 });
    }

    #[tokio::test]
    async fn overlapping_pages_are_an_error_even_without_a_total() {
        // Pages overlap by two items: 1-5, 4-8.
        let fetch = |req: PageRequest| async move {
            let PageRequest::Index { start_index, .. } = req else {
                unreachable!()
            };
            let from = if start_index == 1 { 1 } else { 4 };
            Ok(Page::new((from..from + 5).collect::<Vec<u64>>()))
        };
        let p = Paginator::new(Strategy::scim_index(5), fetch).dedup_by(key);
        let (items, end) = run(p).await;
        assert_eq!(items, [1, 2, 3, 4, 5]);
        assert_eq!(
            fault(&end.unwrap_err()),
            &ListingFault::RepeatedItems { repeated: 2 }
        );
    }

    #[tokio::test]
    async fn a_wrong_echoed_start_index_is_an_error() {
        // The second page says it starts at 1 (went backwards) but holds new items.
        let fetch = |req: PageRequest| async move {
            let PageRequest::Index { start_index, count } = req else {
                unreachable!()
            };
            let items: Vec<u64> = (start_index..start_index + u64::from(count)).collect();
            let echoed = if start_index == 1 { 1 } else { start_index - 5 };
            Ok(Page::new(items)
                .with_total(Some(30))
                .with_start_index(Some(echoed)))
        };
        let (items, end) = run(Paginator::new(Strategy::scim_index(10), fetch).dedup_by(key)).await;
        assert_eq!(items.len(), 10);
        assert_eq!(
            fault(&end.unwrap_err()),
            &ListingFault::WrongStartIndex {
                requested: 11,
                echoed: 6
            }
        );
    }

    #[tokio::test]
    async fn a_missing_item_list_while_results_are_reported_is_an_error() {
        let fetch = |_req: PageRequest| async {
            Ok(Page::<u64>::new(Vec::new())
                .with_total(Some(5))
                .with_items_reported(false))
        };
        let (items, end) = run(Paginator::new(Strategy::scim_index(10), fetch)).await;
        assert!(items.is_empty());
        assert_eq!(fault(&end.unwrap_err()), &ListingFault::MissingItems);
        // With a total of 0, a missing list is simply empty (RFC 7644 allows leaving it out).
        let fetch = |_req: PageRequest| async {
            Ok(Page::<u64>::new(Vec::new())
                .with_total(Some(0))
                .with_items_reported(false))
        };
        let (_, end) = run(Paginator::new(Strategy::scim_index(10), fetch)).await;
        assert_eq!(end.unwrap().stop, StopReason::ReachedTotal);
    }

    #[tokio::test]
    async fn a_total_that_goes_down_is_a_retryable_error() {
        let fetch = |req: PageRequest| async move {
            let PageRequest::Index { start_index, .. } = req else {
                unreachable!()
            };
            let total = if start_index == 1 { 30 } else { 25 };
            Ok(
                Page::new((start_index..start_index + 10).collect::<Vec<u64>>())
                    .with_total(Some(total)),
            )
        };
        let (items, end) = run(Paginator::new(Strategy::scim_index(10), fetch)).await;
        assert_eq!(items.len(), 10);
        let err = end.unwrap_err();
        assert_eq!(
            fault(&err),
            &ListingFault::TotalDecreased { from: 30, to: 25 }
        );
        assert!(err.is_retryable());
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
                Ok(Page::new(items)
                    .with_total(Some(20))
                    .with_start_index(Some(start_index)))
            }
        };
        let items = collect(Paginator::new(Strategy::scim_index(10), fetch)).await;
        assert_eq!(items, (1..=20).collect::<Vec<_>>());
        assert_eq!(*starts.lock().unwrap(), [1, 8, 15]);
    }

    #[tokio::test]
    async fn a_cursor_that_comes_back_is_an_error_after_the_new_items() {
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
        let (items, end) = run(Paginator::new(Strategy::cursor(None), fetch)).await;
        assert_eq!(items, [1, 2, 3, 4, 5]);
        assert_eq!(fault(&end.unwrap_err()), &ListingFault::CursorLoop);
    }

    #[tokio::test]
    async fn cursor_paging_ends_without_a_next_cursor_unless_a_total_says_otherwise() {
        let fetch = |req: PageRequest| async move {
            let PageRequest::Cursor { cursor, .. } = req else {
                unreachable!()
            };
            Ok(match cursor.as_deref() {
                None => Page::new(vec![1]).with_next_cursor(Some("x".into())),
                _ => Page::new(vec![2]),
            })
        };
        let (items, end) = run(Paginator::new(Strategy::cursor(Some(1)), fetch)).await;
        assert_eq!(items, [1, 2]);
        assert_eq!(end.unwrap().stop, StopReason::LastCursor);

        let short = |req: PageRequest| async move {
            let PageRequest::Cursor { cursor, .. } = req else {
                unreachable!()
            };
            Ok(match cursor.as_deref() {
                None => Page::new(vec![1])
                    .with_total(Some(3))
                    .with_next_cursor(Some("x".into())),
                _ => Page::new(vec![2]),
            })
        };
        let (items, end) = run(Paginator::new(Strategy::cursor(Some(1)), short)).await;
        assert_eq!(items, [1, 2]);
        assert_eq!(fault(&end.unwrap_err()), &ListingFault::EndedBeforeTotal);
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
        let (items, end) = run(Paginator::new(Strategy::page_number(10), fetch).max_pages(3)).await;
        assert_eq!(items.len(), 30);
        let summary = end.unwrap();
        assert_eq!(summary.stop, StopReason::MaxPages);
        assert!(!summary.is_complete());
    }

    #[tokio::test]
    async fn unpaginated_makes_one_request_and_checks_the_total() {
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        let fetch = move |req: PageRequest| {
            assert_eq!(req, PageRequest::All);
            c.fetch_add(1, Ordering::SeqCst);
            async { Ok(Page::new(vec![1, 2, 3])) }
        };
        let (items, end) = run(Paginator::new(Strategy::Unpaginated, fetch)).await;
        assert_eq!(items, [1, 2, 3]);
        assert_eq!(end.unwrap().stop, StopReason::SingleAnswer);
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        let short = |_req: PageRequest| async { Ok(Page::new(vec![1, 2]).with_total(Some(3))) };
        let (_, end) = run(Paginator::new(Strategy::Unpaginated, short)).await;
        assert_eq!(fault(&end.unwrap_err()), &ListingFault::EndedBeforeTotal);
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
        let items = collect(
            Paginator::new(Strategy::scim_index(10), fetch)
                .prefetch(4)
                .dedup_by(key),
        )
        .await;
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
        let items = collect(
            Paginator::new(Strategy::scim_index(10), fetch)
                .prefetch(3)
                .dedup_by(key),
        )
        .await;
        assert_eq!(items, (1..=50).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn a_fetch_error_ends_the_stream_after_being_yielded() {
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
        let (items, end) = run(Paginator::new(Strategy::page_number(1), fetch)).await;
        assert_eq!(items, [1]);
        assert!(matches!(end, Err(Error::InvalidInput { .. })));
    }

    #[tokio::test]
    async fn mapped_streams_keep_the_summary() {
        let fetch = |_req: PageRequest| async { Ok(Page::new(vec![1u8, 2])) };
        let (items, summary) = Paginator::new(Strategy::Unpaginated, fetch)
            .items()
            .map(|i| format!("#{i}"))
            .collect_with_summary()
            .await
            .unwrap();
        assert_eq!(items, ["#1", "#2"]);
        assert_eq!(summary.items, 2);
        assert_eq!(summary.stop, StopReason::SingleAnswer);
    }

    #[test]
    fn streams_are_send_unpin_and_static() {
        fn assert_traits<S: Send + Unpin + 'static>(_: &S) {}
        let s = Paginator::new(Strategy::Unpaginated, |_| async {
            Ok(Page::new(vec![1u8]))
        })
        .items();
        assert_traits(&s);
    }
}
