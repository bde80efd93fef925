//! [`BackendOps`] on PostgreSQL: row locks and advisory locks, sequences, and the statements of
//! `statements.rs` that do in one round trip what SQLite does row by row.

use std::marker::PhantomData;

use chrono::NaiveDateTime;
use diesel::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use eckwms_application::ports::ADMIN_KEY_ROLE;

use eckwms_db_kit::failure::{Failure, classify};

use super::{
    BackendOps, HORIZON_WAIT, Locked, MovableTable, NewLedgerRows, ParentColumns, RoleLock,
};
use crate::rows::RoleRow;
use crate::statements::{AppendLedgerPg, BoxesTable, ItemsTable, LEDGER_FENCE, SetParentAny};

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
        use crate::schema::{boxes, devices, items, orders, places, racks, users, warehouses};
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
            Locked::Users => lock!(users, &sorted),
            Locked::Devices => lock!(devices, &sorted),
        }?;
        Ok(())
    }

    fn lock_box_nesting(&mut self) -> QueryResult<()> {
        diesel::sql_query("SELECT pg_advisory_xact_lock(7202)").execute(self)?;
        Ok(())
    }

    fn lock_role(&mut self, name: &str, lock: RoleLock) -> QueryResult<Option<RoleRow>> {
        use crate::schema::roles;
        let row = roles::table.find(name).select(RoleRow::as_select());
        match lock {
            RoleLock::Share => row.for_share().first(self),
            RoleLock::Change => row.for_no_key_update().first(self),
            RoleLock::Delete => row.for_update().first(self),
        }
        .optional()
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
            .filter(api_keys::role.eq(ADMIN_KEY_ROLE))
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

    fn ledger_horizon(&mut self) -> QueryResult<Option<i64>> {
        // Every statement that draws ledger numbers first takes the fence shared, in its own
        // transaction (`AppendLedgerPg`, `MoveOnePg`). Taking it exclusively waits until each
        // transaction that drew numbers has committed or rolled back, and keeps new ones from
        // drawing; the sequence's value read then is above every number drawn so far, and
        // every later number is above it. (The sequence hands out numbers one at a time,
        // CACHE 1: a session holding cached numbers could draw below it later.)
        let settled = self.transaction(|c| {
            diesel::sql_query(format!(
                "SELECT set_config('lock_timeout', '{HORIZON_WAIT}', true)"
            ))
            .execute(c)?;
            diesel::sql_query(format!("SELECT pg_advisory_xact_lock({LEDGER_FENCE})"))
                .execute(c)?;
            diesel::sql_query(
                "SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS value FROM ledger_seq",
            )
            .get_result::<Number>(c)
        });
        match settled {
            Ok(number) => Ok(Some(number.value)),
            Err(e) if classify(&e) == Failure::TimedOut => Ok(None),
            Err(e) => Err(e),
        }
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
