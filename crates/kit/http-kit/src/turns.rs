//! Calls that block on the database, made off the async threads and admitted in arrival order.
//!
//! A call runs on the blocking thread pool, and only once it has a turn: at most `limit` calls
//! run at once (as many as can get a database connection at once). The others wait for a turn
//! in the order they came, as suspended tasks that hold no thread. Without the turns, every
//! waiting call held a thread blocked in the connection pool, and the pool gave a freed
//! connection to whichever thread asked next, not to the one that had waited longest: under a
//! load larger than the pool (32 clients, 16 PostgreSQL connections) the instance's moves had
//! a 99th percentile latency about 1.4 times as long, and 15 % less throughput, as with turns
//! (docs/ARCHITECTURE.md). Both services admit their calls this way.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

/// Why a call did not run to its end.
#[derive(Debug, thiserror::Error)]
pub enum TurnError {
    /// No turn came within the wait: every turn stayed taken (the service answers 503).
    #[error("no turn to call the database within {0:?}: every turn stayed taken")]
    NoTurn(Duration),
    /// The turns were closed, or the blocking pool lost the call (it panicked).
    #[error("the call failed: {0}")]
    Failed(String),
}

/// The turns of the calls into the database.
#[derive(Clone, Debug)]
pub struct Turns {
    turns: Arc<Semaphore>,
    wait: Duration,
}

impl Turns {
    /// `limit` turns (at least 1); a call waits at most `wait` for one.
    pub fn new(limit: usize, wait: Duration) -> Self {
        Self {
            turns: Arc::new(Semaphore::new(limit.max(1))),
            wait,
        }
    }

    /// Runs `work` on the blocking pool once a turn is free.
    ///
    /// # Errors
    /// [`TurnError::NoTurn`] when no turn came within the wait, [`TurnError::Failed`] when the
    /// work could not run to its end.
    pub async fn run<T, F>(&self, work: F) -> Result<T, TurnError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let waiting = Arc::clone(&self.turns).acquire_owned();
        let turn = match actix_web::rt::time::timeout(self.wait, waiting).await {
            Ok(Ok(turn)) => turn,
            Ok(Err(closed)) => return Err(TurnError::Failed(format!("turns closed: {closed}"))),
            Err(_) => return Err(TurnError::NoTurn(self.wait)),
        };
        // The turn travels with the work: a request dropped while its call runs (the client
        // went away) does not free the turn before the call is done with its connection.
        let work = move || {
            let _turn = turn;
            work()
        };
        actix_web::web::block(work)
            .await
            .map_err(|e| TurnError::Failed(format!("blocking task failed: {e}")))
    }

    /// Turns free now (for tests).
    pub fn available(&self) -> usize {
        self.turns.available_permits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Mutex, mpsc};

    use futures_util::future::join_all;

    #[actix_rt::test]
    async fn no_more_calls_run_at_once_than_the_limit() {
        let turns = Turns::new(2, Duration::from_secs(5));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let calls = (0..8).map(|_| {
            let (running, most) = (Arc::clone(&running), Arc::clone(&most));
            turns.run(move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(30));
                running.fetch_sub(1, Ordering::SeqCst);
            })
        });
        for result in join_all(calls).await {
            result.unwrap();
        }
        // Two at once (the limit), not one after the other.
        assert_eq!(most.load(Ordering::SeqCst), 2);
        assert_eq!(turns.available(), 2);
    }

    #[actix_rt::test]
    async fn waiting_calls_run_in_the_order_they_came() {
        let turns = Turns::new(1, Duration::from_secs(5));
        let order = Arc::new(Mutex::new(Vec::new()));
        join_all((0..10).map(|n| {
            let order = Arc::clone(&order);
            turns.run(move || {
                order.lock().unwrap().push(n);
                // Long enough for all the others to be waiting.
                std::thread::sleep(Duration::from_millis(5));
            })
        }))
        .await;
        assert_eq!(*order.lock().unwrap(), (0..10).collect::<Vec<_>>());
    }

    #[actix_rt::test]
    async fn a_call_without_a_turn_within_the_wait_fails_as_no_turn() {
        let turns = Turns::new(1, Duration::from_millis(30));
        let long = turns.run(|| std::thread::sleep(Duration::from_millis(300)));
        let late = async {
            actix_web::rt::time::sleep(Duration::from_millis(5)).await;
            turns.run(|| ()).await
        };
        let (long, late) = futures_util::future::join(long, late).await;
        assert!(long.is_ok());
        assert!(matches!(late, Err(TurnError::NoTurn(_))), "{late:?}");
        // The turn came back: the next call runs.
        turns.run(|| ()).await.unwrap();
    }

    #[actix_rt::test]
    async fn a_dropped_call_keeps_its_turn_until_its_work_ends() {
        let turns = Turns::new(1, Duration::from_secs(5));
        let (finish, finishing) = mpsc::channel::<()>();
        let first_done = Arc::new(AtomicBool::new(false));
        let done = Arc::clone(&first_done);
        // The request is dropped (its client went away) while its call still runs.
        let dropped = actix_rt::time::timeout(
            Duration::from_millis(50),
            turns.run(move || {
                finishing.recv_timeout(Duration::from_secs(30)).unwrap();
                done.store(true, Ordering::SeqCst);
            }),
        )
        .await;
        assert!(dropped.is_err(), "the first call ended early");
        let second = actix_rt::spawn({
            let turns = turns.clone();
            let first_done = Arc::clone(&first_done);
            async move { turns.run(move || first_done.load(Ordering::SeqCst)).await }
        });
        actix_rt::time::sleep(Duration::from_millis(50)).await;
        assert!(
            !second.is_finished(),
            "the second call ran beside the first"
        );
        finish.send(()).unwrap();
        // It ran, and only after the first had finished.
        assert!(second.await.unwrap().unwrap());
    }
}
