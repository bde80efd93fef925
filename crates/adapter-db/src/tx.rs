//! Running code on a connection of either backend, and the few places where SQL differs.
//!
//! The query functions in `src/sql/` are compiled twice, once with `Conn = SqliteConnection`
//! (module `sqlite`) and once with `Conn = PgConnection` (module `pg`); diesel's query builder
//! makes the same source valid for both. These macros pick the module matching the pool (with
//! `eckwms_db_kit::on_conn!`, the call outside a transaction, shared with the global service).
//! What cannot be said the same way on both backends lives in [`BackendOps`].

use std::marker::PhantomData;
use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel::{PgConnection, SqliteConnection};

use crate::error::DbError;
use crate::schema::id_counters;
use crate::statements::{
    AppendLedgerPg, BoxesTable, ItemsTable, ParentTable, SetParent, SetParentAny,
};

/// The one-object UPDATE of [`SetParent`].
fn set_parent<'a, T: ParentTable>(
    id: &'a str,
    to_box: Option<&'a str>,
    to_place: Option<&'a str>,
    at: NaiveDateTime,
) -> SetParent<'a, T> {
    SetParent {
        to_box,
        to_place,
        at,
        id,
        table: PhantomData,
    }
}

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

/// The tables of movable objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MovableTable {
    Boxes,
    Items,
}

/// An object's id and its container columns (`parent_box`, `parent_place`).
pub(crate) type ParentColumns = (String, Option<String>, Option<String>);

/// Ledger rows to append, column by column, before they have sequence numbers; `ref_positions`
/// (1-based) says which row each entry of `ref_objects` indexes.
#[derive(Debug)]
pub(crate) struct NewLedgerRows {
    pub at: NaiveDateTime,
    pub actor: String,
    pub reason: Option<String>,
    pub request_id: Option<String>,
    pub scan_id: Option<i64>,
    pub object_ids: Vec<String>,
    pub changes: Vec<String>,
    pub from_ids: Vec<Option<String>>,
    pub to_ids: Vec<Option<String>>,
    pub data: Vec<String>,
    pub ref_objects: Vec<String>,
    pub ref_positions: Vec<i64>,
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
    /// The ids of the admin keys active at `at` (not revoked, not expired), ascending, locked
    /// until the transaction ends: a concurrent revocation of one of them waits, then sees it
    /// revoked. What the last-admin-key rule reads cannot change before this transaction ends.
    fn lock_active_admin_keys(&mut self, at: NaiveDateTime) -> QueryResult<Vec<i64>>;
    /// Waits for the scans of this session owner that started before, and keeps later ones
    /// waiting until this transaction ends.
    fn lock_scan_owner(&mut self, owner: &str) -> QueryResult<()>;
    /// Keeps every other writer of items with this serial waiting until this transaction ends,
    /// so that the serial rule checked now still holds at commit.
    fn lock_serial(&mut self, serial: &str) -> QueryResult<()>;
    /// Makes the named counter hand out only numbers above `value` from now on.
    fn raise_counter(&mut self, counter: &str, value: i64) -> QueryResult<()>;
    /// Locks the rows with these keys (as [`BackendOps::lock_rows`]) and reads their
    /// containers, in one round trip where the backend has round trips. Keys without a row are
    /// left out of the answer; its order is unspecified.
    fn lock_parents(
        &mut self,
        table: MovableTable,
        keys: &[String],
    ) -> QueryResult<Vec<ParentColumns>>;
    /// Puts the objects with these keys into the container given by its two columns, adds one
    /// to their versions and sets `updated_at`; returns the number of rows changed.
    fn set_parents(
        &mut self,
        table: MovableTable,
        keys: &[String],
        to: (Option<&str>, Option<&str>),
        at: NaiveDateTime,
    ) -> QueryResult<usize>;
    /// Appends the rows to the ledger and their entries to its per-object index, numbered in
    /// order from the ledger's counter; returns the numbers.
    fn append_ledger(&mut self, rows: &NewLedgerRows) -> QueryResult<Vec<i64>>;
}

/// The PostgreSQL sequence behind a counter name.
fn sequence_of(counter: &str) -> Option<&'static str> {
    Some(match counter {
        "item" => "item_ids",
        "box" => "box_ids",
        "place" => "place_ids",
        "order" => "order_ids",
        "user" => "user_ids",
        "label" => "label_ids",
        "warehouse" => "warehouse_ids",
        "rack" => "rack_ids",
        "apikey" => "apikey_ids",
        "scan" => "scan_ids",
        "label_print" => "label_print_ids",
        _ => return None,
    })
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
    fn lock_parents(
        &mut self,
        table: MovableTable,
        keys: &[String],
    ) -> QueryResult<Vec<ParentColumns>> {
        use crate::schema::{boxes, items};
        // The writer lock is held. One small cached statement per key: cheaper than a statement
        // prepared anew for each list of keys, and batches are rare next to single moves.
        let mut found = Vec::with_capacity(keys.len());
        for key in keys {
            let row: Option<ParentColumns> = match table {
                MovableTable::Boxes => boxes::table
                    .find(key)
                    .select((boxes::id, boxes::parent_box, boxes::parent_place))
                    .first(self)
                    .optional()?,
                MovableTable::Items => items::table
                    .find(key)
                    .select((items::id, items::parent_box, items::parent_place))
                    .first(self)
                    .optional()?,
            };
            found.extend(row);
        }
        Ok(found)
    }

    fn set_parents(
        &mut self,
        table: MovableTable,
        keys: &[String],
        (to_box, to_place): (Option<&str>, Option<&str>),
        at: NaiveDateTime,
    ) -> QueryResult<usize> {
        let mut changed = 0;
        for key in keys {
            changed += match table {
                MovableTable::Boxes => {
                    set_parent::<BoxesTable>(key, to_box, to_place, at).execute(self)?
                }
                MovableTable::Items => {
                    set_parent::<ItemsTable>(key, to_box, to_place, at).execute(self)?
                }
            };
        }
        Ok(changed)
    }

    fn append_ledger(&mut self, new: &NewLedgerRows) -> QueryResult<Vec<i64>> {
        use crate::rows::LedgerRow;
        use crate::schema::{ledger, ledger_refs};
        // The writer lock is held, so the largest number so far is ours to continue from: the
        // ledger's own primary key is its counter (one index lookup, no counter row written).
        let last: Option<i64> = ledger::table
            .select(diesel::dsl::max(ledger::seq))
            .first(self)?;
        let first = last.unwrap_or(0) + 1;
        let seqs: Vec<i64> = (first..first + new.object_ids.len() as i64).collect();
        // One-row INSERTs: each is a cached prepared statement, while a multi-row one would be
        // parsed anew each time, and SQLite has no round trips to save.
        for (i, seq) in seqs.iter().enumerate() {
            let row = LedgerRow {
                seq: *seq,
                at: new.at,
                object_id: new.object_ids[i].clone(),
                change: new.changes[i].clone(),
                from_id: new.from_ids[i].clone(),
                to_id: new.to_ids[i].clone(),
                actor: new.actor.clone(),
                reason: new.reason.clone(),
                request_id: new.request_id.clone(),
                scan_id: new.scan_id,
                data: new.data[i].clone(),
            };
            diesel::insert_into(ledger::table)
                .values(&row)
                .execute(self)?;
        }
        for (object, position) in new.ref_objects.iter().zip(&new.ref_positions) {
            let seq = first + position - 1;
            diesel::insert_into(ledger_refs::table)
                .values((ledger_refs::object_id.eq(object), ledger_refs::seq.eq(seq)))
                .execute(self)?;
        }
        Ok(seqs)
    }

    fn allocate(&mut self, counter: &str, n: usize) -> QueryResult<Vec<i64>> {
        // The writer lock (BEGIN IMMEDIATE) is held: read-modify-write is safe.
        let count = n as i64;
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

    fn lock_active_admin_keys(&mut self, at: NaiveDateTime) -> QueryResult<Vec<i64>> {
        use crate::schema::api_keys;
        // BEGIN IMMEDIATE already made this transaction the only writer: reading is locking.
        api_keys::table
            .filter(api_keys::scope.eq("admin"))
            .filter(api_keys::revoked_at.is_null())
            .filter(
                api_keys::expires_at
                    .is_null()
                    .or(api_keys::expires_at.gt(at)),
            )
            .order(api_keys::id)
            .select(api_keys::id)
            .load(self)
    }

    fn lock_scan_owner(&mut self, _owner: &str) -> QueryResult<()> {
        // BEGIN IMMEDIATE already made this transaction the only writer.
        Ok(())
    }

    fn lock_serial(&mut self, _serial: &str) -> QueryResult<()> {
        // BEGIN IMMEDIATE already made this transaction the only writer.
        Ok(())
    }

    fn raise_counter(&mut self, counter: &str, value: i64) -> QueryResult<()> {
        diesel::update(
            id_counters::table
                .find(counter)
                .filter(id_counters::last_value.lt(value)),
        )
        .set(id_counters::last_value.eq(value))
        .execute(self)?;
        Ok(())
    }
}

impl BackendOps for PgConnection {
    fn lock_parents(
        &mut self,
        table: MovableTable,
        keys: &[String],
    ) -> QueryResult<Vec<ParentColumns>> {
        use crate::schema::{boxes, items};
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut sorted: Vec<&str> = keys.iter().map(String::as_str).collect();
        sorted.sort_unstable();
        sorted.dedup();
        // As lock_rows (same order, NO KEY UPDATE), returning the container columns.
        match table {
            MovableTable::Boxes => boxes::table
                .filter(boxes::id.eq_any(&sorted))
                .order(boxes::id)
                .select((boxes::id, boxes::parent_box, boxes::parent_place))
                .for_no_key_update()
                .load(self),
            MovableTable::Items => items::table
                .filter(items::id.eq_any(&sorted))
                .order(items::id)
                .select((items::id, items::parent_box, items::parent_place))
                .for_no_key_update()
                .load(self),
        }
    }

    fn set_parents(
        &mut self,
        table: MovableTable,
        keys: &[String],
        (to_box, to_place): (Option<&str>, Option<&str>),
        at: NaiveDateTime,
    ) -> QueryResult<usize> {
        if keys.is_empty() {
            return Ok(0);
        }
        match table {
            MovableTable::Boxes => SetParentAny::<BoxesTable> {
                to_box,
                to_place,
                at,
                ids: keys,
                table: PhantomData,
            }
            .execute(self),
            MovableTable::Items => SetParentAny::<ItemsTable> {
                to_box,
                to_place,
                at,
                ids: keys,
                table: PhantomData,
            }
            .execute(self),
        }
    }

    fn append_ledger(&mut self, new: &NewLedgerRows) -> QueryResult<Vec<i64>> {
        // One round trip: numbers, rows and index entries in one statement.
        AppendLedgerPg {
            object_ids: &new.object_ids,
            changes: &new.changes,
            from_ids: &new.from_ids,
            to_ids: &new.to_ids,
            data: &new.data,
            at: new.at,
            actor: &new.actor,
            reason: new.reason.as_deref(),
            request_id: new.request_id.as_deref(),
            scan_id: new.scan_id,
            ref_objects: &new.ref_objects,
            ref_positions: &new.ref_positions,
        }
        .load(self)
    }

    fn allocate(&mut self, counter: &str, n: usize) -> QueryResult<Vec<i64>> {
        let sequence = sequence_of(counter).ok_or(diesel::result::Error::NotFound)?;
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

    fn lock_active_admin_keys(&mut self, at: NaiveDateTime) -> QueryResult<Vec<i64>> {
        use crate::schema::api_keys;
        // READ COMMITTED: a count alone would let two revocations each see the other's key
        // still active. Locked rows are read again once a concurrent writer commits, so a key
        // revoked meanwhile drops out of the answer. Locked in id order: no deadlock.
        api_keys::table
            .filter(api_keys::scope.eq("admin"))
            .filter(api_keys::revoked_at.is_null())
            .filter(
                api_keys::expires_at
                    .is_null()
                    .or(api_keys::expires_at.gt(at)),
            )
            .order(api_keys::id)
            .select(api_keys::id)
            .for_no_key_update()
            .load(self)
    }

    fn lock_scan_owner(&mut self, owner: &str) -> QueryResult<()> {
        // Keyed by a hash of the owner: two owners sharing a hash only wait for each other.
        diesel::sql_query("SELECT pg_advisory_xact_lock(7204, hashtext($1))")
            .bind::<diesel::sql_types::Text, _>(owner)
            .execute(self)?;
        Ok(())
    }

    fn lock_serial(&mut self, serial: &str) -> QueryResult<()> {
        // A row lock cannot do it: the rule concerns rows that may not exist yet. Keyed by a
        // hash of the serial: two serials sharing a hash only wait for each other.
        diesel::sql_query("SELECT pg_advisory_xact_lock(7205, hashtext($1))")
            .bind::<diesel::sql_types::Text, _>(serial)
            .execute(self)?;
        Ok(())
    }

    fn raise_counter(&mut self, counter: &str, value: i64) -> QueryResult<()> {
        let sequence = sequence_of(counter).ok_or(diesel::result::Error::NotFound)?;
        // setval(.., true): the next nextval returns value + 1. Skipped when the sequence is
        // already past it (a concurrent nextval in between only makes it hand out more).
        diesel::sql_query(format!(
            "SELECT setval('{sequence}', $1) FROM {sequence} \
             WHERE (CASE WHEN is_called THEN last_value ELSE last_value - 1 END) < $1"
        ))
        .bind::<BigInt, _>(value)
        .execute(self)?;
        Ok(())
    }
}
