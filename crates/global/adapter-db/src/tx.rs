//! Running the query functions on a connection of either backend, and the one place where SQL
//! differs.
//!
//! The query functions in `src/sql/` are compiled twice, once with `Conn = SqliteConnection`
//! (module `sqlite`) and once with `Conn = PgConnection` (module `pg`); diesel's query builder
//! makes the same source valid for both. `on_conn!` (from `eckwms-db-kit`, shared with the
//! instance service) and `write_tx!` (here) pick the module matching the pool. What cannot be
//! said the same way on both backends lives in [`LockPullable`].

use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};
use eckwms_db_kit::dispatch::{Dispatch, PoolRef};
use eckwms_global_application::AppError;

use crate::error::DbError;
use crate::pool::{Database, Pools};
use crate::schema::relay_scans;

impl Dispatch for Database {
    type Error = DbError;
    type PortError = AppError;

    fn pool_ref(&self) -> PoolRef<'_> {
        match &self.pools {
            Pools::Sqlite(pool) => PoolRef::Sqlite(pool),
            Pools::Pg(pool) => PoolRef::Pg(pool),
        }
    }
}

/// `write_tx!(db, func(args...))`: calls `func` of the backend's query module in one write
/// transaction: `BEGIN IMMEDIATE` on SQLite (the file's write lock from the start, so the
/// transaction's reads see what it then changes), `BEGIN` (READ COMMITTED, row locks) on
/// PostgreSQL. An `Err` rolls back; nothing is retried. Evaluates to an `AppResult`.
///
/// The same shape as the instance service's `write_tx!`, but not shared with it through
/// `eckwms-db-kit` as `on_conn!` is: the transactions differ (the instance service sends SQLite
/// writes to its writer thread, retries PostgreSQL ones and marks idempotency keys applied in
/// them).
macro_rules! write_tx {
    ($db:expr, $func:ident($($arg:expr),* $(,)?)) => {{
        let db = $db;
        eckwms_db_kit::dispatch::run(db, || match eckwms_db_kit::dispatch::Dispatch::pool_ref(db) {
            eckwms_db_kit::dispatch::PoolRef::Sqlite(pool) => {
                let mut conn = eckwms_db_kit::pool::checkout(pool)?;
                conn.immediate_transaction(|c| $crate::sqlite::$func(c, $($arg),*))
            }
            eckwms_db_kit::dispatch::PoolRef::Pg(pool) => {
                let mut conn = eckwms_db_kit::pool::checkout(pool)?;
                diesel::Connection::transaction(&mut *conn, |c| $crate::pg::$func(c, $($arg),*))
            }
        })
    }};
}

pub(crate) use write_tx;

/// Ids of the instance's scans a pull may lease now, oldest first, locked for this
/// transaction: PostgreSQL skips rows another pull has locked (`FOR UPDATE SKIP LOCKED`), so
/// two pulls never get one scan; SQLite needs no lock, its write transaction
/// (`BEGIN IMMEDIATE`) being the only one.
pub(crate) trait LockPullable {
    fn pullable_ids(&mut self, instance: &str, now: i64, limit: i64) -> QueryResult<Vec<i64>>;
}

macro_rules! pullable_query {
    ($instance:expr, $now:expr, $limit:expr) => {
        relay_scans::table
            .filter(relay_scans::instance_id.eq($instance))
            .filter(relay_scans::state.ne("confirmed"))
            .filter(
                relay_scans::state
                    .eq("buffered")
                    .or(relay_scans::lease_until.le($now)),
            )
            .order(relay_scans::id)
            .limit($limit)
            .select(relay_scans::id)
    };
}

impl LockPullable for SqliteConnection {
    fn pullable_ids(&mut self, instance: &str, now: i64, limit: i64) -> QueryResult<Vec<i64>> {
        pullable_query!(instance, now, limit).load(self)
    }
}

impl LockPullable for PgConnection {
    fn pullable_ids(&mut self, instance: &str, now: i64, limit: i64) -> QueryResult<Vec<i64>> {
        pullable_query!(instance, now, limit)
            .for_update()
            .skip_locked()
            .load(self)
    }
}
