//! How a listing ended: [`ListingSummary`] and [`StopReason`] for a clean end,
//! [`ListingFault`] for an end that shows the listing is not everything.

use std::fmt;

/// Why a listing ended cleanly.
///
/// Every reason but [`MaxPages`](StopReason::MaxPages) means that what arrived is, by the
/// server's own answers, everything ([`is_complete`](StopReason::is_complete)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StopReason {
    /// As many distinct items as the server's reported total arrived.
    ReachedTotal,
    /// The server reported no total and answered an empty page.
    EmptyPage,
    /// Cursor paging: the server gave no next cursor (and no total it fell short of).
    LastCursor,
    /// An unpaginated listing: the one answer held everything (and no total it fell
    /// short of).
    SingleAnswer,
    /// The server reported no total and answered a later page with exactly the first
    /// page's items: it ignores paging (or wraps around past the end), so everything had
    /// arrived with the pages before.
    PagingIgnored,
    /// The caller's [`max_pages`](super::Paginator::max_pages) cap was reached while more
    /// was expected. **Not** everything.
    MaxPages,
}

impl StopReason {
    /// `true` when the server's answers show that everything arrived.
    pub fn is_complete(self) -> bool {
        !matches!(self, StopReason::MaxPages)
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StopReason::ReachedTotal => "the reported total arrived",
            StopReason::EmptyPage => "an empty page (no total reported)",
            StopReason::LastCursor => "no next cursor",
            StopReason::SingleAnswer => "a single, unpaginated answer",
            StopReason::PagingIgnored => {
                "the server answered the first page again (it ignores paging; no total reported)"
            }
            StopReason::MaxPages => "the max_pages cap (more was expected)",
        })
    }
}

/// What a listing that ended cleanly consisted of, available from the stream once it has
/// ended ([`Items::summary`](super::Items::summary), [`Pages::summary`](super::Pages::summary)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListingSummary {
    /// Pages yielded.
    pub pages: u64,
    /// Distinct items yielded.
    pub items: u64,
    /// The last total the server reported, if it reported one.
    pub reported_total: Option<u64>,
    /// Why the listing ended.
    pub stop: StopReason,
}

impl ListingSummary {
    /// `true` when the server's answers show that everything arrived (see
    /// [`StopReason::is_complete`]).
    pub fn is_complete(&self) -> bool {
        self.stop.is_complete()
    }
}

impl fmt::Display for ListingSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} item(s) in {} page(s)", self.items, self.pages)?;
        if let Some(total) = self.reported_total {
            write!(f, " of a reported {total}")?;
        }
        write!(f, "; ended on {}", self.stop)
    }
}

/// How the server's own answers showed that a listing was not everything. Carried by
/// [`Error::IncompleteListing`](crate::Error::IncompleteListing).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ListingFault {
    /// The listing ended (an empty page, no next cursor, a single answer) while fewer
    /// distinct items than the server's reported total had arrived.
    EndedBeforeTotal,
    /// A page carried no list of items at all (SCIM `Resources` absent or `null`) while
    /// the server reports results.
    MissingItems,
    /// A page's echoed `startIndex` is not the one requested (it went backwards, or
    /// skipped ahead).
    WrongStartIndex {
        /// The `startIndex` requested.
        requested: u64,
        /// The `startIndex` the server said the page starts at.
        echoed: u64,
    },
    /// A page repeated items that had already arrived (and was not simply the first page
    /// again from a server that ignores paging).
    RepeatedItems {
        /// How many of the page's items had already arrived.
        repeated: u64,
    },
    /// The server handed back a cursor it had already given: following it would loop.
    CursorLoop,
    /// The caller capped the listing ([`max_pages`](super::Paginator::max_pages)) before
    /// it ended: fine for a preview, never for a plan.
    StoppedAtMaxPages,
    /// More distinct items arrived than the server's own reported total.
    MoreThanReported,
    /// The reported total went down during the listing: items may have shifted past the
    /// pages already read. A new listing may be consistent.
    TotalDecreased {
        /// The total reported before.
        from: u64,
        /// The total reported now.
        to: u64,
    },
}

impl fmt::Display for ListingFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListingFault::EndedBeforeTotal => {
                f.write_str("the server ended the listing before its reported total arrived")
            }
            ListingFault::MissingItems => {
                f.write_str("a page carried no item list while the server reports results")
            }
            ListingFault::WrongStartIndex { requested, echoed } => write!(
                f,
                "the page requested at startIndex {requested} says it starts at {echoed}"
            ),
            ListingFault::RepeatedItems { repeated } => write!(
                f,
                "a page repeated {repeated} item(s) that had already arrived"
            ),
            ListingFault::CursorLoop => {
                f.write_str("the server handed back a cursor it had already given")
            }
            ListingFault::StoppedAtMaxPages => {
                f.write_str("the listing was capped by max_pages before it ended")
            }
            ListingFault::MoreThanReported => {
                f.write_str("more distinct items arrived than the server's reported total")
            }
            ListingFault::TotalDecreased { from, to } => write!(
                f,
                "the reported total went down from {from} to {to} during the listing"
            ),
        }
    }
}
