//! The events' port: the ledger read as a stream, in the order its rows became visible, and
//! without gaps. The HTTP stream reads through it; so will a delivery worker of webhooks,
//! which keeps its own cursor per subscription.

use eckwms_domain::{EventFilter, LedgerEntry};
#[cfg(feature = "mock")]
use mockall::automock;

use crate::error::AppResult;

/// Where to read from and what: the rows after `after` (a ledger seq; 0 reads from the start)
/// that match `filter`, at most `limit`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventQuery {
    pub after: i64,
    pub limit: u32,
    pub filter: EventFilter,
}

/// One page of the stream.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventPage {
    /// The matching rows after the cursor, in ascending `seq`, at most `limit`.
    pub events: Vec<LedgerEntry>,
    /// The cursor of the next read (never below the `after` asked for). Every row with a seq
    /// above `after` and at most `next` that matches the filter is in `events`, and no such
    /// row can appear later: a reader that passes `next` as `after` misses nothing and reads
    /// nothing twice. Rows the filter left out, and numbers of rolled-back writes, are passed
    /// over, so a filtered reader never scans them again.
    pub next: i64,
}

#[cfg_attr(feature = "mock", automock)]
pub trait EventRepository: Send + Sync {
    /// The next page of the stream (see [`EventPage`]). A row is returned only once every row
    /// with a lower seq is committed or will never exist, even with several processes writing
    /// to one database. Never waits for new rows: an empty page says there are none yet.
    fn events_after(&self, query: &EventQuery) -> AppResult<EventPage>;
}
