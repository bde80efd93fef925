//! Calling a query function written once for both backends on a connection of the database's
//! pool.
//!
//! An adapter writes each query function once, in a file of `src/sql/` that starts with
//! `use super::*;` and names its connection type `Conn`, and mounts every such file twice:
//! as a module of `src/sqlite.rs` (`type Conn = diesel::SqliteConnection`) and of `src/pg.rs`
//! (`type Conn = diesel::PgConnection`), re-exporting the functions, so that each exists as
//! `crate::sqlite::f` and `crate::pg::f`. Its `Database` implements [`Dispatch`], and its port
//! methods are one line each: [`on_conn!`](crate::on_conn) here for a call outside a
//! transaction, and the adapter's own transaction macros, of the same shape, for the rest (they
//! differ between the services: the instance service sends SQLite writes to a writer thread and
//! retries PostgreSQL ones, the global service opens `BEGIN IMMEDIATE` on a pooled connection).

use crate::pool::{NoConnection, PgPool, SqlitePool};

/// The pool of a database, of either backend.
#[derive(Clone, Copy)]
pub enum PoolRef<'a> {
    Sqlite(&'a SqlitePool),
    Pg(&'a PgPool),
}

/// A database whose query functions are mounted as `crate::sqlite` and `crate::pg` (see the
/// module's documentation), called through [`on_conn!`](crate::on_conn).
pub trait Dispatch {
    /// What the query functions fail with: the adapter's own error.
    type Error: From<NoConnection>;
    /// What the port methods fail with: the application's error.
    type PortError: From<Self::Error>;

    /// The pool the calls check their connections out of.
    fn pool_ref(&self) -> PoolRef<'_>;
}

/// Runs `body`, a call of a query function through one of the dispatch macros, and converts its
/// error into the ports' error. Taking the database fixes the error types, so `?` inside the
/// body needs no annotation.
pub fn run<D, T>(_db: &D, body: impl FnOnce() -> Result<T, D::Error>) -> Result<T, D::PortError>
where
    D: Dispatch + ?Sized,
{
    body().map_err(D::PortError::from)
}

/// `on_conn!(db, func(args...))`: calls `crate::sqlite::func` or `crate::pg::func`, whichever
/// matches the pool of `db` (a reference to a [`Dispatch`] database, `self` in a port method),
/// on a connection checked out of it, without a transaction (autocommit: one statement, or
/// reads that need no snapshot). Evaluates to `Result<T, PortError>`.
///
/// `crate` here is deliberately the calling crate, not this one (`$crate`): the query
/// functions are the caller's. The pool is reached through the trait, so nothing else of the
/// caller is named.
#[macro_export]
#[allow(clippy::crate_in_macro_def)]
macro_rules! on_conn {
    ($db:expr, $func:ident($($arg:expr),* $(,)?)) => {{
        let db = $db;
        $crate::dispatch::run(db, || match $crate::dispatch::Dispatch::pool_ref(db) {
            $crate::dispatch::PoolRef::Sqlite(pool) => {
                let mut conn = $crate::pool::checkout(pool)?;
                crate::sqlite::$func(&mut conn, $($arg),*)
            }
            $crate::dispatch::PoolRef::Pg(pool) => {
                let mut conn = $crate::pool::checkout(pool)?;
                crate::pg::$func(&mut conn, $($arg),*)
            }
        })
    }};
}
