//! The streams a [`Paginator`](super::Paginator) hands out: [`Pages`] and [`Items`], each
//! with the listing's [`ListingSummary`] once it has ended cleanly.

use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use futures::stream::{BoxStream, Stream, StreamExt, TryStreamExt};

use super::{ListingSummary, Page};
use crate::error::Result;

/// Where the engine leaves its summary for the stream's owner to read.
pub(super) type SummarySlot = Arc<OnceLock<ListingSummary>>;

/// The pages of a listing, in order: a lazy `Send + Unpin + 'static` stream.
///
/// It ends in one of two ways: cleanly, after which [`summary`](Self::summary) says how
/// many pages and items arrived and why it stopped; or with an error as its last item
/// (the server failed, or its own answers showed the listing to be short:
/// [`Error::IncompleteListing`](crate::Error::IncompleteListing)).
#[must_use = "a listing does nothing until it is polled"]
pub struct Pages<T> {
    inner: BoxStream<'static, Result<Page<T>>>,
    summary: SummarySlot,
}

impl<T: Send + 'static> Pages<T> {
    pub(super) fn new(inner: BoxStream<'static, Result<Page<T>>>, summary: SummarySlot) -> Self {
        Self { inner, summary }
    }

    /// How the listing ended, once it has ended cleanly; `None` while it runs and after it
    /// ended with an error.
    pub fn summary(&self) -> Option<&ListingSummary> {
        self.summary.get()
    }

    /// The same listing with each item converted by `f` (for example a wire type into a
    /// public one); the summary is kept.
    pub fn map_items<U: Send + 'static>(
        self,
        f: impl Fn(T) -> U + Send + Sync + 'static,
    ) -> Pages<U> {
        Pages {
            inner: self.inner.map_ok(move |page| page.map_items(&f)).boxed(),
            summary: self.summary,
        }
    }

    /// The items of these pages.
    pub fn items(self) -> Items<T> {
        Items {
            pages: self,
            current: Vec::new().into_iter(),
        }
    }
}

impl<T> Stream for Pages<T> {
    type Item = Result<Page<T>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

impl<T> fmt::Debug for Pages<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("summary", &self.summary.get())
            .finish_non_exhaustive()
    }
}

/// The items of a listing, in order: a lazy `Send + Unpin + 'static` stream.
///
/// Ends like [`Pages`]: cleanly (then [`summary`](Self::summary) is set), or with an error
/// as its last item. Each item moves out of its page once, and a finished page's buffer
/// is freed before the next page is fetched, so at most one page of items is alive.
///
/// ```
/// use idgraph_common::paginate::{Page, PageRequest, Paginator, StopReason, Strategy};
///
/// # async fn run() -> idgraph_common::Result<()> {
/// let fetch = |_req: PageRequest| async { Ok(Page::new(vec![1, 2, 3]).with_total(Some(3))) };
/// let (items, summary) = Paginator::new(Strategy::Unpaginated, fetch)
///     .items()
///     .collect_with_summary()
///     .await?;
/// assert_eq!(items, [1, 2, 3]);
/// assert_eq!(summary.stop, StopReason::ReachedTotal);
/// # Ok(()) }
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(run()).unwrap();
/// ```
#[must_use = "a listing does nothing until it is polled"]
pub struct Items<T> {
    pages: Pages<T>,
    current: std::vec::IntoIter<T>,
}

impl<T: Send + 'static> Items<T> {
    /// A listing of items already in hand (a file, an in-memory directory): one page
    /// that is everything ([`StopReason::SingleAnswer`](super::StopReason::SingleAnswer)).
    ///
    /// ```
    /// use idgraph_common::paginate::Items;
    ///
    /// # async fn run() -> idgraph_common::Result<()> {
    /// let (items, summary) = Items::from_vec(vec!["a", "b"]).collect_with_summary().await?;
    /// assert_eq!((items.len(), summary.items), (2, 2));
    /// # Ok(()) }
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(run()).unwrap();
    /// ```
    pub fn from_vec(items: Vec<T>) -> Self {
        once(Ok(items))
    }

    /// A listing that fails with `error` at its first poll (a directory that cannot be
    /// listed says why through the stream, like every other listing).
    pub fn from_error(error: crate::Error) -> Self {
        once(Err(error))
    }

    /// How the listing ended, once it has ended cleanly; `None` while it runs and after it
    /// ended with an error.
    pub fn summary(&self) -> Option<&ListingSummary> {
        self.pages.summary()
    }

    /// The same listing with each item converted by `f`; the summary is kept.
    pub fn map<U: Send + 'static>(self, f: impl Fn(T) -> U + Send + Sync + 'static) -> Items<U> {
        let f = Arc::new(f);
        let current: Vec<U> = self.current.map(|t| f(t)).collect();
        Items {
            pages: self.pages.map_items(move |t| f(t)),
            current: current.into_iter(),
        }
    }

    /// Collects every item, and the summary of a listing that ended cleanly. The first
    /// error ends the collection and is returned.
    pub async fn collect_with_summary(mut self) -> Result<(Vec<T>, ListingSummary)> {
        let mut all = Vec::new();
        while let Some(item) = self.next().await {
            all.push(item?);
        }
        let summary = self.summary().cloned().unwrap_or(ListingSummary {
            // Unreachable by construction: the engine sets the summary on every clean end
            // before the stream ends. Should that ever break, say "not complete" rather
            // than vouch for a listing nobody checked.
            pages: 0,
            items: all.len() as u64,
            reported_total: None,
            stop: super::StopReason::MaxPages,
        });
        Ok((all, summary))
    }
}

/// A listing of one answer, known in advance.
fn once<T: Send + 'static>(answer: Result<Vec<T>>) -> Items<T> {
    let answer = std::sync::Mutex::new(Some(answer));
    super::Paginator::new(super::Strategy::Unpaginated, move |_| {
        // Unpaginated listings fetch exactly once; a poisoned lock still holds the value.
        let taken = answer.lock().unwrap_or_else(|p| p.into_inner()).take();
        async move {
            match taken {
                Some(Ok(items)) => Ok(Page::new(items)),
                Some(Err(e)) => Err(e),
                None => Ok(Page::new(Vec::new())),
            }
        }
    })
    .items()
}

// Nothing is pinned structurally: `pages` is boxed and `current` is moved freely.
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
            match self.pages.inner.poll_next_unpin(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(Some(Ok(page))) => self.current = page.items.into_iter(),
            }
        }
    }
}

impl<T> fmt::Debug for Items<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Items")
            .field("summary", &self.pages.summary.get())
            .field("buffered", &self.current.len())
            .finish_non_exhaustive()
    }
}
