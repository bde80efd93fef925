//! Running a bound server until a signal stops it, the same way in both services: SIGTERM or
//! SIGINT drains in-flight requests for the server's `shutdown_timeout`, then it stops; a
//! second signal exits at once.
//!
//! The services handle the signals themselves (the server runs with `disable_signals()`) so
//! that the handlers exist before "listening" is logged: a SIGTERM that arrives at any moment
//! after that drains, where actix-web's own handling would register later, on the server's
//! threads.

use std::net::SocketAddr;

use actix_web::dev::Server;
use tokio::signal::unix::{SignalKind, signal};

/// Why the server could not be run; the messages are those the services have always given.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("installing the {0} handler")]
    Signal(&'static str, #[source] std::io::Error),
    #[error("HTTP server failed")]
    Server(#[source] std::io::Error),
}

/// The exit status of a second signal: the process did not finish its work (128 + SIGINT).
const EXIT_ON_SECOND_SIGNAL: i32 = 130;

/// Installs the signal handlers, logs `listening` for each of `addrs` with `scheme` (`http`
/// or `https`), runs `server` (started with `disable_signals()`) until it stops, then logs
/// `stopped`. Call it inside the server's actix system.
pub async fn until_signalled(
    server: Server,
    addrs: &[SocketAddr],
    scheme: &str,
) -> Result<(), ServeError> {
    let handle = server.handle();
    let mut terminate =
        signal(SignalKind::terminate()).map_err(|e| ServeError::Signal("SIGTERM", e))?;
    let mut interrupt =
        signal(SignalKind::interrupt()).map_err(|e| ServeError::Signal("SIGINT", e))?;
    actix_web::rt::spawn(async move {
        let name = tokio::select! {
            _ = terminate.recv() => "SIGTERM",
            _ = interrupt.recv() => "SIGINT",
        };
        tracing::info!(
            signal = name,
            "draining in-flight requests, then stopping (signal again to stop at once)"
        );
        actix_web::rt::spawn(async move {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = interrupt.recv() => {}
            }
            tracing::warn!("second signal: exiting without waiting for in-flight requests");
            std::process::exit(EXIT_ON_SECOND_SIGNAL);
        });
        handle.stop(true).await;
    });
    for addr in addrs {
        tracing::info!(address = %addr, %scheme, "listening");
    }
    server.await.map_err(ServeError::Server)?;
    tracing::info!("stopped");
    Ok(())
}
