//! The application's ports, implemented by [`Database`](crate::pool::Database): each method is
//! one transaction. One file per wing, as the application's `ports/` are cut: each `impl <Port>
//! for Database` is one line per method, choosing `on_conn!`, `read_tx!` or `write_tx!`.

mod access;
mod catalog;
mod devices;
mod events;
mod global;
mod idempotency;
mod labels;
mod movement;
mod orders;
mod overview;
mod relay;
mod repair;
mod scanning;
mod system;
mod webhooks;

pub(crate) use events::LedgerHorizon;
