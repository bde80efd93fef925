//! Running code on a connection of either backend, and the few places where SQL differs.
//!
//! The query functions in `src/sql/` are compiled twice, once with `Conn = SqliteConnection`
//! (module `sqlite`) and once with `Conn = PgConnection` (module `pg`); diesel's query builder
//! makes the same source valid for both. These macros pick the module matching the pool. What
//! cannot be said the same way on both backends lives in [`BackendOps`].

use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel::{PgConnection, SqliteConnection};

use crate::error::DbError;
use crate::schema::id_counters;

/// Attempts of a write transaction that failed on a serialization failure, deadlock or busy file.
pub(crate) const WRITE_ATTEMPTS: u32 = 12;

/// Calls `$func` of the backend's query module (`sqlite::` or `pg::`) on a pooled connection,
/// without a transaction. Evaluates to an `AppResult`.
macro_rules! on_conn {
    ($db:expr, $func:ident($($arg:expr),* $(,)?)) => {{
        let result: Result<_, $crate::error::DbError> = (|| match &$db.pool {
            $crate::pool::DbPool::Sqlite { pool, .. } => {
                let mut guard = $crate::pool::checkout(pool)?;
                $crate::sqlite::$func(&mut guard, $($arg),*)
            }
            $crate::pool::DbPool::Pg(pool) => {
                let mut guard = $crate::pool::checkout(pool)?;
                $crate::pg::$func(&mut guard, $($arg),*)
            }
        })();
        result.map_err(eckwms_application::AppError::from)
    }};
}

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
/// queries lock the rows they change with [`BackendOps::lock_rows`] in a fixed order.
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

pub(crate) use {on_conn, read_tx, write_tx};

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

/// Tables whose rows writers lock before changing them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Locked {
    Warehouses,
    Racks,
    Places,
    Orders,
    Boxes,
    Items,
}

/// What each backend says its own way. Every implementation is listed in docs/DATABASE.md.
pub(crate) trait BackendOps {
    /// `n` numbers never handed out before from the named counter, ascending.
    fn allocate(&mut self, counter: &str, n: usize) -> QueryResult<Vec<i64>>;
    /// Locks the rows with these keys until the transaction ends. Callers lock tables in the
    /// order warehouses, racks, places, orders, boxes, items, and keys in ascending order, so
    /// that two writers never wait for each other in a circle.
    fn lock_rows(&mut self, table: Locked, keys: &[String]) -> QueryResult<()>;
    /// Serializes the moves that put a box into a box (the only moves that could close a cycle).
    fn lock_box_nesting(&mut self) -> QueryResult<()>;
    /// Serializes the creation of the first API key.
    fn lock_api_keys(&mut self) -> QueryResult<()>;
}

diesel::define_sql_function! {
    /// PostgreSQL `nextval(sequence)`.
    fn nextval(sequence: diesel::sql_types::Text) -> diesel::sql_types::BigInt;
}

#[derive(QueryableByName)]
struct Number {
    #[diesel(sql_type = BigInt)]
    value: i64,
}

impl BackendOps for SqliteConnection {
    fn allocate(&mut self, counter: &str, n: usize) -> QueryResult<Vec<i64>> {
        // The writer lock (BEGIN IMMEDIATE) is held: read-modify-write is safe.
        let count = n as i64;
        if counter == "ledger" {
            // The ledger's own primary key is its counter: one index lookup, no extra page
            // written per transaction.
            let last: Option<i64> = crate::schema::ledger::table
                .select(diesel::dsl::max(crate::schema::ledger::seq))
                .first(self)?;
            let last = last.unwrap_or(0);
            return Ok((last + 1..=last + count).collect());
        }
        let updated = diesel::update(id_counters::table.find(counter))
            .set(id_counters::last_value.eq(id_counters::last_value + count))
            .execute(self)?;
        if updated != 1 {
            return Err(diesel::result::Error::NotFound);
        }
        let last: i64 = id_counters::table
            .find(counter)
            .select(id_counters::last_value)
            .first(self)?;
        Ok((last - count + 1..=last).collect())
    }

    fn lock_rows(&mut self, _table: Locked, _keys: &[String]) -> QueryResult<()> {
        // BEGIN IMMEDIATE already made this transaction the only writer.
        Ok(())
    }

    fn lock_box_nesting(&mut self) -> QueryResult<()> {
        Ok(())
    }

    fn lock_api_keys(&mut self) -> QueryResult<()> {
        Ok(())
    }
}

impl BackendOps for PgConnection {
    fn allocate(&mut self, counter: &str, n: usize) -> QueryResult<Vec<i64>> {
        let sequence = match counter {
            "item" => "item_ids",
            "box" => "box_ids",
            "place" => "place_ids",
            "order" => "order_ids",
            "user" => "user_ids",
            "label" => "label_ids",
            "warehouse" => "warehouse_ids",
            "rack" => "rack_ids",
            "apikey" => "apikey_ids",
            "ledger" => "ledger_seq",
            _ => return Err(diesel::result::Error::NotFound),
        };
        if n == 1 {
            // The common case, as a prepared statement.
            let value: i64 = diesel::select(nextval(sequence)).get_result(self)?;
            return Ok(vec![value]);
        }
        let mut values: Vec<i64> = diesel::sql_query(format!(
            "SELECT nextval('{sequence}') AS value FROM generate_series(1, $1)"
        ))
        .bind::<BigInt, _>(n as i64)
        .load::<Number>(self)?
        .into_iter()
        .map(|row| row.value)
        .collect();
        values.sort_unstable();
        Ok(values)
    }

    fn lock_rows(&mut self, table: Locked, keys: &[String]) -> QueryResult<()> {
        use crate::schema::{boxes, items, orders, places, racks, warehouses};
        if keys.is_empty() {
            return Ok(());
        }
        let mut sorted: Vec<&str> = keys.iter().map(String::as_str).collect();
        sorted.sort_unstable();
        sorted.dedup();
        // NO KEY UPDATE: foreign-key checks of other writers (KEY SHARE) do not wait for it.
        // `= ANY($1)` binds one array, so each statement is prepared once per connection.
        macro_rules! lock {
            ($table:ident, $keys:expr) => {
                $table::table
                    .filter($table::id.eq_any($keys))
                    .order($table::id)
                    .select($table::id)
                    .for_no_key_update()
                    .execute(self)
            };
        }
        let numeric = || -> QueryResult<Vec<i64>> {
            sorted
                .iter()
                .map(|k| k.parse().map_err(|_| diesel::result::Error::NotFound))
                .collect()
        };
        match table {
            Locked::Warehouses => lock!(warehouses, numeric()?),
            Locked::Racks => lock!(racks, numeric()?),
            Locked::Places => lock!(places, &sorted),
            Locked::Orders => lock!(orders, &sorted),
            Locked::Boxes => lock!(boxes, &sorted),
            Locked::Items => lock!(items, &sorted),
        }?;
        Ok(())
    }

    fn lock_box_nesting(&mut self) -> QueryResult<()> {
        diesel::sql_query("SELECT pg_advisory_xact_lock(7202)").execute(self)?;
        Ok(())
    }

    fn lock_api_keys(&mut self) -> QueryResult<()> {
        diesel::sql_query("SELECT pg_advisory_xact_lock(7203)").execute(self)?;
        Ok(())
    }
}
