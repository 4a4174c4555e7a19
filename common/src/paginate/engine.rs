//! The state machine behind every listing: requests pages, applies the completeness rules
//! of the [module docs](super), and decides how the listing ends.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, OnceLock};

use futures::future::BoxFuture;
use futures::stream::{self, FuturesOrdered, StreamExt};

use super::dedup::{Seen, Verdict};
use super::stream::SummarySlot;
use super::{
    FetchPage, KeyFn, ListingFault, ListingSummary, Page, PageRequest, Pages, Paginator,
    StopReason, Strategy,
};
use crate::error::{Error, Result};

/// Starts a listing: nothing is requested before the returned stream is polled.
pub(super) fn pages<T: Send + 'static>(p: Paginator<T>) -> Pages<T> {
    let summary: SummarySlot = Arc::new(OnceLock::new());
    let engine = Engine {
        next: Next::Request(p.strategy.first_request()),
        fetcher: p.fetcher,
        strategy: p.strategy,
        max_pages: p.max_pages,
        prefetch: p.prefetch,
        seen: p.dedup.is_some().then(Seen::new),
        dedup: p.dedup,
        inflight: FuturesOrdered::new(),
        inflight_requests: VecDeque::new(),
        items: 0,
        total: None,
        pages: 0,
        cursors: HashSet::new(),
        summary: summary.clone(),
    };
    let inner = stream::unfold(engine, |mut e| async move {
        let page = e.next_page().await?;
        Some((page, e))
    });
    Pages::new(inner.boxed(), summary)
}

/// What the listing does on the next poll.
enum Next {
    /// Fetch this page.
    Request(PageRequest),
    /// End cleanly, for this reason.
    End(StopReason),
    /// End with [`Error::IncompleteListing`].
    Fail(ListingFault),
    /// Over (an error was yielded, or the end was already reported).
    Done,
}

/// What one fetched page comes to.
enum Step<T> {
    Yield(Page<T>),
    End(StopReason),
    Fail(ListingFault),
}

struct Engine<T> {
    fetcher: Arc<dyn FetchPage<T>>,
    strategy: Strategy,
    next: Next,
    max_pages: Option<u64>,
    prefetch: usize,
    dedup: Option<KeyFn<T>>,
    seen: Option<Seen>,
    inflight: FuturesOrdered<BoxFuture<'static, Result<Page<T>>>>,
    inflight_requests: VecDeque<PageRequest>,
    /// Distinct items yielded so far.
    items: u64,
    /// The last total the server reported.
    total: Option<u64>,
    /// Pages yielded so far.
    pages: u64,
    cursors: HashSet<String>,
    summary: SummarySlot,
}

impl<T: Send + 'static> Engine<T> {
    async fn next_page(&mut self) -> Option<Result<Page<T>>> {
        let request = match std::mem::replace(&mut self.next, Next::Done) {
            Next::Request(request) => request,
            Next::End(stop) => return self.end(stop),
            Next::Fail(fault) => return Some(Err(self.fail(fault))),
            Next::Done => return None,
        };
        if self.max_pages.is_some_and(|max| self.pages >= max) {
            return self.end(StopReason::MaxPages);
        }
        self.fill_inflight(&request);
        let fetched = match self.inflight.next().await {
            Some(fetched) => fetched,
            // `fill_inflight` always leaves `request` in flight, so this cannot happen;
            // were it to, the listing must not end as if it were complete.
            None => return Some(Err(self.fail(ListingFault::EndedBeforeTotal))),
        };
        let _ = self.inflight_requests.pop_front();
        let page = match fetched {
            Ok(page) => page,
            Err(e) => {
                self.stop();
                return Some(Err(e));
            }
        };
        match self.accept(request, page) {
            Step::Yield(page) => Some(Ok(page)),
            Step::End(stop) => self.end(stop),
            Step::Fail(fault) => Some(Err(self.fail(fault))),
        }
    }

    /// Ends cleanly: the summary is set before the stream ends.
    fn end(&mut self, stop: StopReason) -> Option<Result<Page<T>>> {
        self.stop();
        let _ = self.summary.set(ListingSummary {
            pages: self.pages,
            items: self.items,
            reported_total: self.total,
            stop,
        });
        None
    }

    /// Ends with the error that says the listing is short.
    fn fail(&mut self, reason: ListingFault) -> Error {
        self.stop();
        crate::trace::warn(
            "a listing ended incomplete: the server's answers contradict each other",
        );
        Error::IncompleteListing {
            received: self.items,
            expected: self.total,
            pages: self.pages,
            reason,
        }
    }

    fn stop(&mut self) {
        self.next = Next::Done;
        self.inflight = FuturesOrdered::new();
        self.inflight_requests.clear();
    }

    /// Applies the completeness rules to a fetched page and decides what comes next.
    fn accept(&mut self, request: PageRequest, page: Page<T>) -> Step<T> {
        if let Some(total) = page.total {
            if let Some(before) = self.total
                && total < before
            {
                return Step::Fail(ListingFault::TotalDecreased {
                    from: before,
                    to: total,
                });
            }
            self.total = Some(total);
        }
        let more_expected = self.total.is_some_and(|t| self.items < t);
        if !page.items_reported && more_expected {
            return Step::Fail(ListingFault::MissingItems);
        }
        let raw = page.items.len() as u64;
        if raw == 0 {
            return match self.total {
                Some(_) if more_expected => Step::Fail(ListingFault::EndedBeforeTotal),
                Some(_) => Step::End(StopReason::ReachedTotal),
                None => Step::End(StopReason::EmptyPage),
            };
        }
        if let Some(step) = self.check_repeats(&page) {
            return step;
        }
        if let PageRequest::Index { start_index, .. } = &request
            && let Some(echoed) = page.start_index
            && echoed != *start_index
        {
            return Step::Fail(ListingFault::WrongStartIndex {
                requested: *start_index,
                echoed,
            });
        }
        self.items += raw;
        self.pages += 1;
        self.next = self.after(request, &page, raw);
        if !matches!(self.next, Next::Request(_)) {
            // The listing ends after this page: drop speculative requests now.
            self.inflight = FuturesOrdered::new();
            self.inflight_requests.clear();
        }
        Step::Yield(page)
    }

    /// The repeat guard (with `dedup_by` only): `None` when every item is new.
    fn check_repeats(&mut self, page: &Page<T>) -> Option<Step<T>> {
        let (key, seen) = (self.dedup.as_ref()?, self.seen.as_mut()?);
        let items = &page.items;
        if self.pages == 0
            && let Some(total) = self.total
        {
            seen.reserve(total);
        }
        match seen.admit(|| items.iter().map(|i| key(i)), self.pages == 0) {
            Verdict::AllNew => None,
            // The server ignores paging (or wrapped around): with no total to contradict
            // it, the pages before held everything.
            Verdict::FirstPageAgain if self.total.is_none() => {
                Some(Step::End(StopReason::PagingIgnored))
            }
            Verdict::FirstPageAgain => Some(Step::Fail(ListingFault::RepeatedItems {
                repeated: items.len() as u64,
            })),
            Verdict::Repeats(repeated) => {
                Some(Step::Fail(ListingFault::RepeatedItems { repeated }))
            }
        }
    }

    /// What follows an accepted page of `raw` items.
    fn after(&mut self, request: PageRequest, page: &Page<T>, raw: u64) -> Next {
        if self.total.is_some_and(|t| self.items >= t) {
            return Next::End(StopReason::ReachedTotal);
        }
        // A total was reported and has not arrived yet: a "last" answer is a short one.
        let short = |stop: StopReason| match self.total {
            Some(_) => Next::Fail(ListingFault::EndedBeforeTotal),
            None => Next::End(stop),
        };
        match request {
            PageRequest::Number { page, size } => Next::Request(PageRequest::Number {
                page: page + 1,
                size,
            }),
            PageRequest::Index { start_index, count } => Next::Request(PageRequest::Index {
                start_index: start_index + raw,
                count,
            }),
            PageRequest::Cursor { cursor, size } => match page.next_cursor.as_deref() {
                None | Some("") => short(StopReason::LastCursor),
                Some(c) if cursor.as_deref() == Some(c) || !self.cursors.insert(c.to_owned()) => {
                    Next::Fail(ListingFault::CursorLoop)
                }
                Some(c) => Next::Request(PageRequest::Cursor {
                    cursor: Some(c.to_owned()),
                    size,
                }),
            },
            PageRequest::All => short(StopReason::SingleAnswer),
        }
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
}
