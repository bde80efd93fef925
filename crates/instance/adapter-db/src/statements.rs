//! Hand-written statements on the hot write path, for what diesel's query builder does not do:
//! diesel 2.2 prepares every UPDATE anew at each execution (only SELECT, INSERT and DELETE
//! statements go to its statement cache), and it cannot say PostgreSQL's data-modifying CTEs.
//!
//! Each statement is its own Rust type with a static query id, so diesel keeps it prepared per
//! connection: the cache is keyed by that type, which is why the table of [`SetParent`] is a type
//! parameter and not a value. Bind parameters go through diesel (`push_bind_param`), never into
//! the SQL text.

use std::marker::PhantomData;

use chrono::NaiveDateTime;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamp};
use diesel::sqlite::Sqlite;
use diesel::{QueryResult, RunQueryDsl};

/// A table whose rows sit in a container: `boxes` or `items`.
pub(crate) trait ParentTable: 'static {
    const NAME: &'static str;
}

pub(crate) struct BoxesTable;
pub(crate) struct ItemsTable;

impl ParentTable for BoxesTable {
    const NAME: &'static str = "boxes";
}

impl ParentTable for ItemsTable {
    const NAME: &'static str = "items";
}

/// `UPDATE <table> SET parent_box = ?, parent_place = ?, version = version + 1, updated_at = ?
/// WHERE id = ?`: one object into a container (both backends).
pub(crate) struct SetParent<'a, T> {
    pub to_box: Option<&'a str>,
    pub to_place: Option<&'a str>,
    pub at: NaiveDateTime,
    pub id: &'a str,
    pub table: PhantomData<T>,
}

/// `UPDATE <table> SET ... WHERE id = ANY($4)`: several objects into one container in one
/// round trip (PostgreSQL).
pub(crate) struct SetParentAny<'a, T> {
    pub to_box: Option<&'a str>,
    pub to_place: Option<&'a str>,
    pub at: NaiveDateTime,
    pub ids: &'a [String],
    pub table: PhantomData<T>,
}

/// The cache keys of the statements above (query ids must be `'static`).
pub(crate) struct SetParentId<T>(PhantomData<T>);
pub(crate) struct SetParentAnyId<T>(PhantomData<T>);

impl<T: ParentTable> QueryId for SetParent<'_, T> {
    type QueryId = SetParentId<T>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<T: ParentTable> QueryId for SetParentAny<'_, T> {
    type QueryId = SetParentAnyId<T>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

/// `UPDATE <table> SET parent_box = .., parent_place = .., version = version + 1, updated_at = ..`
macro_rules! set_parent_head {
    ($out:ident, $table:ty, $to_box:expr, $to_place:expr, $at:expr) => {
        $out.push_sql("UPDATE ");
        $out.push_sql(<$table>::NAME);
        $out.push_sql(" SET parent_box = ");
        $out.push_bind_param::<Nullable<Text>, _>($to_box)?;
        $out.push_sql(", parent_place = ");
        $out.push_bind_param::<Nullable<Text>, _>($to_place)?;
        $out.push_sql(", version = version + 1, updated_at = ");
        $out.push_bind_param::<Timestamp, _>($at)?;
    };
}

macro_rules! set_parent_for {
    ($backend:ty) => {
        impl<T: ParentTable> QueryFragment<$backend> for SetParent<'_, T> {
            fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, $backend>) -> QueryResult<()> {
                set_parent_head!(out, T, &self.to_box, &self.to_place, &self.at);
                out.push_sql(" WHERE id = ");
                out.push_bind_param::<Text, _>(self.id)?;
                Ok(())
            }
        }
    };
}

set_parent_for!(Sqlite);
set_parent_for!(Pg);

impl<T: ParentTable> QueryFragment<Pg> for SetParentAny<'_, T> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        set_parent_head!(out, T, &self.to_box, &self.to_place, &self.at);
        out.push_sql(" WHERE id = ANY(");
        out.push_bind_param::<Array<Text>, _>(self.ids)?;
        out.push_sql(")");
        Ok(())
    }
}

impl<T, Conn> RunQueryDsl<Conn> for SetParent<'_, T> {}
impl<T, Conn> RunQueryDsl<Conn> for SetParentAny<'_, T> {}

/// The key of the ledger's fence, the PostgreSQL advisory lock every statement that draws
/// ledger numbers takes shared before it draws them, and a reader of the events stream takes
/// exclusively to find numbers no transaction holds any more (`BackendOps::ledger_horizon`).
/// The instance's other advisory locks are 7201 to 7205, the global service's 7301.
macro_rules! ledger_fence_key {
    () => {
        "7206"
    };
}

pub(crate) const LEDGER_FENCE: &str = ledger_fence_key!();

/// New ledger rows and their per-object index entries in one PostgreSQL statement, which draws
/// the sequence numbers itself and returns them in the order of the changes.
///
/// The fence is taken (shared) before the numbers are drawn: `drawn` joins the one row of
/// `fence`, so no `nextval` runs before the lock is held.
///
/// The numbers are drawn first (`nextval` once per change) and handed out in ascending order
/// by position, whatever order PostgreSQL evaluates `nextval` in; `ref_positions[k]` (1-based)
/// says which change `ref_objects[k]` refers to.
pub(crate) struct AppendLedgerPg<'a> {
    pub object_ids: &'a [String],
    pub changes: &'a [String],
    pub from_ids: &'a [Option<String>],
    pub to_ids: &'a [Option<String>],
    pub data: &'a [String],
    pub at: NaiveDateTime,
    pub actor: &'a str,
    pub reason: Option<&'a str>,
    pub request_id: Option<&'a str>,
    pub scan_id: Option<i64>,
    pub ref_objects: &'a [String],
    pub ref_positions: &'a [i64],
}

impl QueryId for AppendLedgerPg<'_> {
    type QueryId = AppendLedgerPg<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for AppendLedgerPg<'_> {
    type SqlType = BigInt;
}

impl QueryFragment<Pg> for AppendLedgerPg<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(concat!(
            "WITH fence AS MATERIALIZED (SELECT pg_advisory_xact_lock_shared(",
            ledger_fence_key!(),
            ")), \
             drawn AS MATERIALIZED (\
                 SELECT nextval('ledger_seq') AS seq FROM fence, generate_series(1, cardinality(",
        ));
        out.push_bind_param::<Array<Text>, _>(self.object_ids)?;
        out.push_sql(
            "::text[]))), \
             numbered AS MATERIALIZED (\
                 SELECT seq, row_number() OVER (ORDER BY seq) AS n FROM drawn), \
             changes AS MATERIALIZED (\
                 SELECT numbered.seq, c.object_id, c.change, c.from_id, c.to_id, c.data \
                 FROM unnest(",
        );
        out.push_bind_param::<Array<Text>, _>(self.object_ids)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(self.changes)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Text>>, _>(self.from_ids)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Text>>, _>(self.to_ids)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(self.data)?;
        out.push_sql(
            ") WITH ORDINALITY AS c(object_id, change, from_id, to_id, data, n) \
                 JOIN numbered ON numbered.n = c.n), \
             rows AS (\
                 INSERT INTO ledger \
                 (seq, at, object_id, change, from_id, to_id, actor, reason, request_id, scan_id, data) \
                 SELECT seq, ",
        );
        out.push_bind_param::<Timestamp, _>(&self.at)?;
        out.push_sql(", object_id, change, from_id, to_id, ");
        out.push_bind_param::<Text, _>(self.actor)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(&self.reason)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(&self.request_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<BigInt>, _>(&self.scan_id)?;
        out.push_sql(
            ", data FROM changes), \
             refs AS (\
                 INSERT INTO ledger_refs (object_id, seq) \
                 SELECT r.object_id, numbered.seq FROM unnest(",
        );
        out.push_bind_param::<Array<Text>, _>(self.ref_objects)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<BigInt>, _>(self.ref_positions)?;
        out.push_sql(
            ") AS r(object_id, n) JOIN numbered ON numbered.n = r.n) \
             SELECT seq FROM numbered ORDER BY n",
        );
        Ok(())
    }
}

impl<Conn> RunQueryDsl<Conn> for AppendLedgerPg<'_> {}

/// One object moved and its ledger row appended in one PostgreSQL statement, on condition that
/// the object is still where it was read (compare and set): `UPDATE ... WHERE id = $ AND
/// parent_box IS NOT DISTINCT FROM $ AND parent_place IS NOT DISTINCT FROM $`, then the ledger
/// row and its index entries from the updated row. Returns the ledger row's number, or no row
/// when the object had moved meanwhile (nothing was written then).
///
/// The number is drawn after the UPDATE holds the object's row, and the statement commits on
/// its own, so per object, ledger order is commit order.
pub(crate) struct MoveOnePg<'a, T> {
    pub row: MoveOneRow<'a>,
    pub table: PhantomData<T>,
}

/// What [`MoveOnePg`] binds.
pub(crate) struct MoveOneRow<'a> {
    pub id: &'a str,
    pub from: (Option<&'a str>, Option<&'a str>),
    pub to: (Option<&'a str>, Option<&'a str>),
    pub at: NaiveDateTime,
    pub change: &'a str,
    pub from_id: Option<&'a str>,
    pub to_id: &'a str,
    pub data: &'a str,
    pub actor: &'a str,
    pub reason: Option<&'a str>,
    pub request_id: Option<&'a str>,
    pub refs: &'a [String],
}

pub(crate) struct MoveOnePgId<T>(PhantomData<T>);

impl<T: ParentTable> QueryId for MoveOnePg<'_, T> {
    type QueryId = MoveOnePgId<T>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<T: ParentTable> Query for MoveOnePg<'_, T> {
    type SqlType = BigInt;
}

impl<T: ParentTable> QueryFragment<Pg> for MoveOnePg<'_, T> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let row = &self.row;
        out.push_sql("WITH moved AS (");
        set_parent_head!(out, T, &row.to.0, &row.to.1, &row.at);
        out.push_sql(" WHERE id = ");
        out.push_bind_param::<Text, _>(row.id)?;
        out.push_sql(" AND parent_box IS NOT DISTINCT FROM ");
        out.push_bind_param::<Nullable<Text>, _>(&row.from.0)?;
        out.push_sql(" AND parent_place IS NOT DISTINCT FROM ");
        out.push_bind_param::<Nullable<Text>, _>(&row.from.1)?;
        out.push_sql(concat!(
            " RETURNING id), \
             fence AS MATERIALIZED (SELECT pg_advisory_xact_lock_shared(",
            ledger_fence_key!(),
            ")), \
             drawn AS MATERIALIZED (SELECT nextval('ledger_seq') AS seq FROM moved, fence), \
             rows AS (\
                 INSERT INTO ledger \
                 (seq, at, object_id, change, from_id, to_id, actor, reason, request_id, data) \
                 SELECT seq, ",
        ));
        out.push_bind_param::<Timestamp, _>(&row.at)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(row.id)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(row.change)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(&row.from_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(row.to_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(row.actor)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(&row.reason)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(&row.request_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(row.data)?;
        out.push_sql(
            " FROM drawn), \
             refs AS (\
                 INSERT INTO ledger_refs (object_id, seq) \
                 SELECT r.object_id, drawn.seq FROM drawn CROSS JOIN unnest(",
        );
        out.push_bind_param::<Array<Text>, _>(row.refs)?;
        out.push_sql("::text[]) AS r(object_id)) SELECT seq FROM drawn");
        Ok(())
    }
}

impl<T, Conn> RunQueryDsl<Conn> for MoveOnePg<'_, T> {}
