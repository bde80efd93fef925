//! Calls into the application, which block on the database, made off the async threads and
//! admitted in arrival order.

use std::sync::Arc;
use std::time::Duration;

use eckwms_application::access::passwords::Passwords;
use eckwms_application::ports::SecretSource;
use eckwms_application::{AppError, AppResult, Services};
use eckwms_http_kit::turns::{TurnError, Turns};

use crate::problem::ApiError;

/// The application's services, as the handlers call them: each call in a turn of
/// [`Turns`] (at most `limit` at once, the others waiting in arrival order, off the async
/// threads). A call that gets no turn within `wait` fails as the pool would have failed it:
/// 503 `unavailable`, with `Retry-After`.
#[derive(Clone)]
pub struct Calls {
    services: Arc<Services>,
    turns: Turns,
    /// The turns of password hashing: apart from the calls, so that a flood of logins waits
    /// here and never holds the turns (and connections) other requests need.
    hashing: Turns,
}

impl Calls {
    /// `limit` and `hash_limit` are clamped to at least 1.
    pub fn new(services: Services, limit: usize, hash_limit: usize, wait: Duration) -> Self {
        Self {
            services: Arc::new(services),
            turns: Turns::new(limit, wait),
            hashing: Turns::new(hash_limit, wait),
        }
    }

    /// Runs `f` (password hashing: slow, no I/O) with the hasher and the secret source once a
    /// hashing turn is free.
    pub async fn hash<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&Passwords, &dyn SecretSource) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let services = Arc::clone(&self.services);
        match self
            .hashing
            .run(move || f(&services.passwords, &*services.secrets))
            .await
        {
            Ok(result) => result.map_err(crate::problem::from_app),
            Err(no_turn @ TurnError::NoTurn(_)) => Err(crate::problem::from_app(
                AppError::Unavailable(no_turn.into()),
            )),
            Err(TurnError::Failed(e)) => Err(ApiError::internal(&format_args!("{e}"))),
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
        let services = Arc::clone(&self.services);
        match self.turns.run(move || f(&services)).await {
            Ok(result) => result.map_err(crate::problem::from_app),
            Err(no_turn @ TurnError::NoTurn(_)) => Err(crate::problem::from_app(
                AppError::Unavailable(no_turn.into()),
            )),
            Err(TurnError::Failed(e)) => Err(ApiError::internal(&format_args!("{e}"))),
        }
    }
}
