//! Running code on a connection of either backend.
//!
//! The query functions in `src/sql/` are compiled twice, once with `Conn = SqliteConnection`
//! (module `sqlite`) and once with `Conn = PgConnection` (module `pg`); diesel's query builder
//! makes the same source valid for both. These macros pick the module matching the pool (with
//! `eckwms_db_kit::on_conn!`, the call outside a transaction, shared with the global service).
//! What cannot be said the same way on both backends lives in
//! [`BackendOps`](crate::backend::BackendOps) (`backend/`).

use std::time::Duration;

use crate::error::DbError;

/// Attempts of a write transaction that failed on a serialization failure, deadlock or busy file.
pub(crate) const WRITE_ATTEMPTS: u32 = 12;

/// Calls `$func` in a read transaction that sees one consistent snapshot.
macro_rules! read_tx {
    ($db:expr, $func:ident($($arg:expr),* $(,)?)) => {{
        let result: Result<_, $crate::error::DbError> = (|| match &$db.pool {
            $crate::pool::DbPool::Sqlite { pool, .. } => {
                let mut guard = $crate::pool::checkout(pool)?;
                let conn: &mut diesel::SqliteConnection = &mut guard;
                diesel::Connection::transaction(conn, |c| $crate::sqlite::$func(c, $($arg),*))
            }
            $crate::pool::DbPool::Pg(pool) => {
                let mut guard = $crate::pool::checkout(pool)?;
                let conn: &mut diesel::PgConnection = &mut guard;
                conn.build_transaction()
                    .repeatable_read()
                    .read_only()
                    .run(|c| $crate::pg::$func(c, $($arg),*))
            }
        })();
        result.map_err(eckwms_application::AppError::from)
    }};
}

/// Calls `$func` in a write transaction, retried on serialization failures and deadlocks.
///
/// SQLite: the work is queued to the writer thread (`writer.rs`), which commits queued writes
/// in groups, each in its own savepoint; `BEGIN IMMEDIATE` takes the file's write lock (other
/// processes wait up to `busy_timeout`). PostgreSQL: READ COMMITTED; the
/// queries lock the rows they change with
/// [`BackendOps::lock_rows`](crate::backend::BackendOps::lock_rows) in a fixed order.
/// When the request carries an idempotency key (`$idempotency`), its claim is marked applied in
/// the same transaction, so an effect and its key commit together or not at all.
macro_rules! write_tx {
    ($db:expr, $idempotency:expr, $func:ident($($arg:ident),* $(,)?)) => {{
        let idempotency: Option<&eckwms_application::ports::IdempotencyKeyRef> = $idempotency;
        let result: Result<_, $crate::error::DbError> = (|| match &$db.pool {
            $crate::pool::DbPool::Sqlite { writer, .. } => {
                // The work travels to the writer thread: it takes owned copies of the arguments.
                let idempotency = idempotency.cloned();
                $(let $arg = $crate::writer::Carry::carry($arg);)*
                writer.write(move |c| {
                    $crate::sqlite::mark_applied(c, idempotency.as_ref())?;
                    $crate::sqlite::$func(c, $($arg.view()),*)
                })
            }
            $crate::pool::DbPool::Pg(pool) => {
                let mut guard = $crate::pool::checkout(pool)?;
                let conn: &mut diesel::PgConnection = &mut guard;
                $crate::tx::retry(|| {
                    diesel::Connection::transaction(conn, |c| {
                        $crate::pg::mark_applied(c, idempotency)?;
                        $crate::pg::$func(c, $($arg),*)
                    })
                })
            }
        })();
        result.map_err(eckwms_application::AppError::from)
    }};
}

pub(crate) use {read_tx, write_tx};

/// `on_conn!` (a call outside a transaction) is the kit's, shared with the global service; it
/// reaches the pool through this.
impl eckwms_db_kit::dispatch::Dispatch for crate::pool::Database {
    type Error = DbError;
    type PortError = eckwms_application::AppError;

    fn pool_ref(&self) -> eckwms_db_kit::dispatch::PoolRef<'_> {
        match &self.pool {
            crate::pool::DbPool::Sqlite { pool, .. } => {
                eckwms_db_kit::dispatch::PoolRef::Sqlite(pool)
            }
            crate::pool::DbPool::Pg(pool) => eckwms_db_kit::dispatch::PoolRef::Pg(pool),
        }
    }
}

/// Repeats a transaction that failed for a reason a retry can cure.
pub(crate) fn retry<T>(mut attempt: impl FnMut() -> Result<T, DbError>) -> Result<T, DbError> {
    let mut tries = 0;
    loop {
        match attempt() {
            Err(e) if e.is_retryable() && tries + 1 < WRITE_ATTEMPTS => {
                tries += 1;
                // Spread the retries of colliding writers: 1, 2, 4 ... ms, plus a per-thread offset.
                let jitter = u64::from(std::process::id() % 3) + thread_jitter();
                std::thread::sleep(Duration::from_millis((1u64 << tries.min(6)) + jitter));
            }
            result => return result,
        }
    }
}

fn thread_jitter() -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    std::thread::current().id().hash(&mut hasher);
    std::time::SystemTime::now().hash(&mut hasher);
    hasher.finish() % 4
}
