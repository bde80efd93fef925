//! The events' port: the ledger as a stream, read outside any transaction (the horizon needs
//! one of its own on PostgreSQL, then the rows are read after it; see `sql/events.rs`).

use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use eckwms_application::AppResult;
use eckwms_application::ports::{EventPage, EventQuery, EventRepository};

use crate::error::DbError;
use crate::pool::Database;
use eckwms_db_kit::on_conn;

impl EventRepository for Database {
    fn events_after(&self, query: &EventQuery) -> AppResult<EventPage> {
        on_conn!(self, events_after(&self.ledger_horizon, query))
    }
}

/// How long a process leaves the horizon alone after a reader gave up waiting for it (a
/// writer held the ledger's fence longer than `HORIZON_WAIT`): each attempt holds new writers
/// up while it waits, so a long transaction is not met by an attempt every poll.
const BACKOFF: Duration = Duration::from_secs(1);

/// This process's horizon of the ledger: every number at or below it is settled (committed,
/// or never to exist). It only grows. One reader at a time asks for a new one; the others
/// wait for its answer rather than queue attempts of their own.
#[derive(Default)]
pub(crate) struct LedgerHorizon {
    settled: AtomicI64,
    /// Held while a reader asks; the time of the last attempt that gave up.
    asking: Mutex<Option<Instant>>,
}

impl LedgerHorizon {
    /// The horizon established so far.
    pub(crate) fn known(&self) -> i64 {
        self.settled.load(Ordering::Acquire)
    }

    /// A horizon covering `head` (a committed number), asked for with `ask` unless another
    /// reader's answer already covers it; `None` when none could be had now (the last attempt
    /// gave up less than [`BACKOFF`] ago, or this one did).
    pub(crate) fn covering(
        &self,
        head: i64,
        ask: impl FnOnce() -> Result<Option<i64>, DbError>,
    ) -> Result<Option<i64>, DbError> {
        let mut gave_up = self
            .asking
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let known = self.known();
        if known >= head {
            return Ok(Some(known));
        }
        if gave_up.is_some_and(|at| at.elapsed() < BACKOFF) {
            return Ok(None);
        }
        match ask()? {
            Some(settled) => {
                *gave_up = None;
                Ok(Some(
                    self.settled
                        .fetch_max(settled, Ordering::AcqRel)
                        .max(settled),
                ))
            }
            None => {
                *gave_up = Some(Instant::now());
                Ok(None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_answer_serves_every_reader_it_covers() {
        let horizon = LedgerHorizon::default();
        assert_eq!(horizon.covering(5, || Ok(Some(9))).unwrap(), Some(9));
        assert_eq!(horizon.known(), 9);
        // Covered already: not asked again.
        let asked = horizon.covering(7, || panic!("asked again")).unwrap();
        assert_eq!(asked, Some(9));
        // It never goes back.
        assert_eq!(horizon.covering(10, || Ok(Some(12))).unwrap(), Some(12));
        assert_eq!(horizon.known(), 12);
    }

    #[test]
    fn after_an_attempt_that_gave_up_it_waits_before_the_next() {
        let horizon = LedgerHorizon::default();
        assert_eq!(horizon.covering(5, || Ok(None)).unwrap(), None);
        assert_eq!(
            horizon.covering(5, || panic!("asked too soon")).unwrap(),
            None
        );
        assert_eq!(horizon.known(), 0);
    }
}
