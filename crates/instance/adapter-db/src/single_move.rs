//! PostgreSQL: moving one object without an explicit transaction.
//!
//! One object per request, without an idempotency key, is what scanners and most integrations
//! send. In a transaction it costs five round trips (BEGIN, lock and read, update, ledger
//! append, COMMIT). Here it costs two: a read of where the object is (no lock, [`locate`]);
//! the application's check of the move on what was read
//! (`eckwms_application::movement::steps::single`);
//! then one statement ([`MoveOnePg`], [`move_if_still`]) that moves the object only if it is
//! still where it was read, appends its ledger row and commits on its own. If the object moved
//! in between, that statement changes nothing and the application starts over from the read;
//! after a few lost races it goes the transactional way, which waits for the row lock instead.
//! Which moves may go this way (one item, or one box to a place; no idempotency key) is the
//! application's decision too.
//!
//! SQLite has no round trips to save: its writer thread runs every move (`writer.rs`), and
//! `Database::single_moves` offers this way on PostgreSQL only.

use std::marker::PhantomData;

use diesel::PgConnection;
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, Pool};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use eckwms_application::ports::{Located, SingleMoves, WriteContext};
use eckwms_application::{AppError, AppResult};
use eckwms_domain::{Change, Movable, Parent, PlaceRole};

use crate::schema::{boxes, items, place_roles};

use crate::error::DbError;
use crate::rows::{parent_columns, to_db};
use crate::statements::{BoxesTable, ItemsTable, MoveOnePg, MoveOneRow};

/// [`SingleMoves`] on the service's PostgreSQL pool.
pub(crate) struct PgSingleMoves {
    pool: Pool<ConnectionManager<PgConnection>>,
}

impl PgSingleMoves {
    pub(crate) fn new(pool: Pool<ConnectionManager<PgConnection>>) -> Self {
        Self { pool }
    }
}

impl PgSingleMoves {
    /// Runs one statement on a connection of the pool, again when the failure is transient.
    fn retried<T>(
        &self,
        mut statement: impl FnMut(&mut PgConnection) -> Result<T, DbError>,
    ) -> AppResult<T> {
        let result: Result<_, DbError> = (|| {
            let mut conn = crate::pool::checkout(&self.pool)?;
            crate::tx::retry(|| statement(&mut conn))
        })();
        result.map_err(Into::into)
    }
}

impl SingleMoves for PgSingleMoves {
    fn locate(&self, object: Movable, to: Parent) -> AppResult<(Located, Option<PlaceRole>)> {
        self.retried(|c| locate(c, object, to))
    }

    fn move_if_still(
        &self,
        from: &Located,
        to: Parent,
        change: &Change,
        ctx: &WriteContext,
    ) -> AppResult<bool> {
        self.retried(|c| move_if_still(c, from, to, change, ctx))
    }
}

/// Where the object is now, read without a lock, and the role of `to` when it is a place
/// with one: one query (the role is a subquery of the object's row).
pub(crate) fn locate(
    c: &mut PgConnection,
    object: Movable,
    to: Parent,
) -> Result<(Located, Option<PlaceRole>), DbError> {
    let Parent::Place(place) = to else {
        let parent = crate::pg::parent_of(c, object)?;
        return Ok((Located { object, parent }, None));
    };
    let key = object.to_string();
    let role = place_roles::table
        .filter(place_roles::place_id.eq(place.to_string()))
        .select(place_roles::role)
        .single_value();
    type Row = (Option<String>, Option<String>, Option<String>);
    let row: Option<Row> = match object {
        Movable::Box(_) => boxes::table
            .find(&key)
            .select((boxes::parent_box, boxes::parent_place, role))
            .first(c)
            .optional()?,
        Movable::Item(_) => items::table
            .find(&key)
            .select((items::parent_box, items::parent_place, role))
            .first(c)
            .optional()?,
    };
    let (parent_box, parent_place, role) =
        row.ok_or_else(|| AppError::not_found(object.object_id().kind().as_str(), object))?;
    let parent = crate::rows::parent_from(parent_box.as_deref(), parent_place.as_deref())?;
    let role = role.as_deref().map(crate::pg::parse_role).transpose()?;
    Ok((Located { object, parent }, role))
}

/// Moves the object to `to` and appends `change` in one statement that commits on its own, if
/// the object is still at `from`; false when it moved meanwhile (nothing changed).
pub(crate) fn move_if_still(
    c: &mut PgConnection,
    from: &Located,
    to: Parent,
    change: &Change,
    ctx: &WriteContext,
) -> Result<bool, DbError> {
    let key = from.object.to_string();
    let (from_box, from_place) = parent_columns(from.parent);
    let (to_box, to_place) = parent_columns(Some(to));
    let from_id = change.from.map(|id| id.to_string());
    let to_id = to.to_string();
    let data = change.data.to_string();
    let refs: Vec<String> = change.subjects().iter().map(ToString::to_string).collect();
    let row = MoveOneRow {
        id: &key,
        from: (from_box.as_deref(), from_place.as_deref()),
        to: (to_box.as_deref(), to_place.as_deref()),
        at: to_db(ctx.at),
        change: change.kind.as_str(),
        from_id: from_id.as_deref(),
        to_id: &to_id,
        data: &data,
        actor: &ctx.actor,
        reason: ctx.reason.as_deref(),
        request_id: ctx.request_id.as_deref(),
        refs: &refs,
    };
    let written: QueryResult<Vec<i64>> = match from.object {
        Movable::Box(_) => MoveOnePg::<BoxesTable> {
            row,
            table: PhantomData,
        }
        .load(c),
        Movable::Item(_) => MoveOnePg::<ItemsTable> {
            row,
            table: PhantomData,
        }
        .load(c),
    };
    match written {
        Ok(seqs) => Ok(!seqs.is_empty()),
        // The only reference the statement sets is the target's.
        Err(DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _)) => {
            let kind = match to {
                Parent::Box(_) => "box",
                Parent::Place(_) => "place",
            };
            Err(AppError::not_found(kind, to).into())
        }
        Err(e) => Err(e.into()),
    }
}
