//! The few places where SQL differs between the backends: [`BackendOps`], what each backend says
//! its own way, implemented for `SqliteConnection` in `sqlite.rs` and for `PgConnection` in
//! `pg.rs`, and the values its methods take. The query functions of `src/sql/` call it on their
//! `Conn`; every implementation is listed in docs/DATABASE.md.

use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::rows::RoleRow;

mod pg;
mod sqlite;

/// Tables whose rows writers lock before changing them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Locked {
    Warehouses,
    Racks,
    Places,
    Orders,
    Boxes,
    Items,
    Users,
    Devices,
}

/// How strongly a writer holds a role's row until its transaction ends
/// ([`BackendOps::lock_role`]). On PostgreSQL these are the row lock strengths named; SQLite's
/// one writer already excludes every other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RoleLock {
    /// `FOR SHARE`: the role cannot be deleted before this transaction ends (an API key given
    /// the role, which has no foreign key to take that lock for it).
    Share,
    /// `FOR NO KEY UPDATE`: a change of the role's description or permissions; users given the
    /// role meanwhile (their foreign key takes `KEY SHARE`) do not wait for it.
    Change,
    /// `FOR UPDATE`: the role's deletion. Waits for the writers that give the role to a user
    /// (their foreign key's `KEY SHARE`) or a key (`Share`) and keeps new ones waiting, so what
    /// the deletion then reads of users and keys stays true until it commits.
    Delete,
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
    /// that two writers never wait for each other in a circle. Users and devices are locked on
    /// their own (no transaction locks one of them and anything else).
    fn lock_rows(&mut self, table: Locked, keys: &[String]) -> QueryResult<()>;
    /// Serializes the moves that put a box into a box (the only moves that could close a cycle).
    fn lock_box_nesting(&mut self) -> QueryResult<()>;
    /// The role's row, read under `lock` (see [`RoleLock`]); `None` when there is no such role.
    fn lock_role(&mut self, name: &str, lock: RoleLock) -> QueryResult<Option<RoleRow>>;
    /// Serializes the creation of the first API key.
    fn lock_api_keys(&mut self) -> QueryResult<()>;
    /// The ids of the keys of the role `ADMIN_KEY_ROLE` active at `at` (not revoked, not
    /// expired), ascending, locked until the transaction ends: a concurrent revocation of one of
    /// them waits, then sees it revoked. What the last-admin-key rule reads cannot change before this transaction ends.
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
    /// order from the ledger's counter; returns the numbers. On PostgreSQL the numbers are
    /// drawn under the ledger's shared fence (see [`BackendOps::ledger_horizon`]).
    fn append_ledger(&mut self, rows: &NewLedgerRows) -> QueryResult<Vec<i64>>;
    /// A ledger number at or below which every number is settled: its row is committed, or
    /// it will never exist (its transaction rolled back). Called outside any transaction.
    /// `None` when the backend could not establish one at once (PostgreSQL: a writer held
    /// its fence longer than [`HORIZON_WAIT`]); the caller keeps the horizon it had.
    fn ledger_horizon(&mut self) -> QueryResult<Option<i64>>;
}

/// The longest a reader of the events stream waits for writers that hold ledger numbers
/// (PostgreSQL). New writers queue behind the waiting reader, so this also bounds how long a
/// reader can hold up a write.
pub(crate) const HORIZON_WAIT: &str = "100ms";
