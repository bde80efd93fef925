//! Calls into the application, which block on the database, made off the async threads and
//! admitted in arrival order.

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use eckwms_application::{AppError, AppResult, Services};
use tokio::sync::Semaphore;

use crate::problem::ApiError;

/// The application's services, as the handlers call them.
///
/// A call runs on the blocking thread pool, and only once it has a turn: at most `limit` calls
/// run at once (as many as can get a database connection at once). The others wait for a turn
/// in the order they came, as suspended tasks that hold no thread. Without the turns, every
/// waiting call held a thread blocked in the connection pool, and the pool gave a freed
/// connection to whichever thread asked next, not to the one that had waited longest: under a
/// load larger than the pool (32 clients, 16 PostgreSQL connections) moves had a 99th
/// percentile latency about 1.4 times as long, and 15 % less throughput, as with turns
/// (figures in docs/ARCHITECTURE.md).
///
/// A call that gets no turn within `wait` fails as the pool would have failed it: 503
/// `unavailable`, with `Retry-After`.
#[derive(Clone)]
pub struct Calls {
    services: Arc<Services>,
    turns: Arc<Semaphore>,
    wait: Duration,
}

impl Calls {
    /// `limit` is clamped to at least 1.
    pub fn new(services: Services, limit: usize, wait: Duration) -> Self {
        Self {
            services: Arc::new(services),
            turns: Arc::new(Semaphore::new(limit.max(1))),
            wait,
        }
    }

    /// Runs `f` with the services right here, on the calling (async) thread: only for work
    /// that does no I/O and never blocks, such as [`ApiKeyService::authenticate_from_memory`].
    ///
    /// [`ApiKeyService::authenticate_from_memory`]: eckwms_application::ApiKeyService::authenticate_from_memory
    pub fn without_io<T>(&self, f: impl FnOnce(&Services) -> T) -> T {
        f(&self.services)
    }

    /// Runs `f` with the services once a turn is free; a failure of `f` becomes its problem
    /// answer.
    pub async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&Services) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let waiting = Arc::clone(&self.turns).acquire_owned();
        let turn = match actix_web::rt::time::timeout(self.wait, waiting).await {
            Ok(Ok(turn)) => turn,
            Ok(Err(closed)) => {
                return Err(ApiError::internal(&format_args!(
                    "call turns closed: {closed}"
                )));
            }
            Err(_) => {
                return Err(crate::problem::from_app(AppError::Unavailable(
                    anyhow::anyhow!(
                        "no turn to call the database within {:?}: every turn stayed taken",
                        self.wait
                    ),
                )));
            }
        };
        let services = Arc::clone(&self.services);
        // The turn travels with the work: a request dropped while its call runs (the client
        // went away) does not free the turn before the call is done with its connection.
        let work = move || {
            let _turn = turn;
            f(&services)
        };
        match web::block(work).await {
            Ok(result) => result.map_err(crate::problem::from_app),
            Err(e) => Err(ApiError::internal(&format_args!(
                "blocking task failed: {e}"
            ))),
        }
    }
}
