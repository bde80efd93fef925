//! [`BackendOps`] on SQLite: every write holds the writer lock (`BEGIN IMMEDIATE`), so the locks
//! take nothing more (the active admin keys are only read), counters are read and written in
//! place, and rows are written one cached statement at a time.

use std::marker::PhantomData;

use chrono::NaiveDateTime;
use diesel::SqliteConnection;
use diesel::prelude::*;

use eckwms_application::ports::ADMIN_KEY_ROLE;

use super::{BackendOps, Locked, MovableTable, NewLedgerRows, ParentColumns, RoleLock};
use crate::rows::RoleRow;
use crate::schema::id_counters;
use crate::statements::{BoxesTable, ItemsTable, ParentTable, SetParent};

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

    fn lock_role(&mut self, name: &str, _lock: RoleLock) -> QueryResult<Option<RoleRow>> {
        use crate::schema::roles;
        // BEGIN IMMEDIATE already made this transaction the only writer: reading is locking.
        roles::table
            .find(name)
            .select(RoleRow::as_select())
            .first(self)
            .optional()
    }

    fn lock_api_keys(&mut self) -> QueryResult<()> {
        Ok(())
    }

    fn lock_active_admin_keys(&mut self, at: NaiveDateTime) -> QueryResult<Vec<i64>> {
        use crate::schema::api_keys;
        // BEGIN IMMEDIATE already made this transaction the only writer: reading is locking.
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

    fn ledger_horizon(&mut self) -> QueryResult<Option<i64>> {
        use crate::schema::ledger;
        // Numbers are drawn inside the write transaction, under the database's one write lock
        // (BEGIN IMMEDIATE, also across processes), from the largest committed one: commits
        // come in number order, so every number up to the largest committed one is settled.
        let head: Option<i64> = ledger::table
            .select(diesel::dsl::max(ledger::seq))
            .first(self)?;
        Ok(Some(head.unwrap_or(0)))
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
