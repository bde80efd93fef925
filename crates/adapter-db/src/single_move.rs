//! PostgreSQL: moving one object without an explicit transaction.
//!
//! One object per request, without an idempotency key, is what scanners and most integrations
//! send. In a transaction it costs five round trips (BEGIN, lock and read, update, ledger
//! append, COMMIT). Here it costs two: a read of where the object is (no lock), the domain's
//! move check on what was read, then one statement ([`MoveOnePg`]) that moves the object only
//! if it is still where it was read, appends its ledger row and commits on its own. If the
//! object moved in between, that statement changes nothing and the move starts over from the
//! read; after [`ATTEMPTS`] lost races it goes the transactional way, which waits for the row
//! lock instead. The move takes effect at the statement, where the object is where the check
//! saw it: the outcome is the one the transactional path would give at that moment.
//!
//! A box going into a box always goes the transactional way: its cycle check reads the target's
//! chain of boxes, which must not change before the move commits (the box nesting lock).
//! SQLite has no round trips to save: its writer thread runs every move (`writer.rs`).

use std::marker::PhantomData;

use diesel::PgConnection;
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, Pool};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use eckwms_application::AppError;
use eckwms_application::ports::{MoveCommand, MoveOutcome, WriteContext};
use eckwms_domain::{Change, Movable, MoveSubject, Parent};

use crate::error::DbError;
use crate::rows::{parent_columns, parent_from, to_db};
use crate::schema::{boxes, items};
use crate::statements::{BoxesTable, ItemsTable, MoveOnePg, MoveOneRow};

/// Lost races (the object moved between read and write) before the transactional path.
pub(crate) const ATTEMPTS: u32 = 4;

/// Whether the move can go this way.
pub(crate) fn applies(command: &MoveCommand, ctx: &WriteContext) -> bool {
    let single = match command.objects.as_slice() {
        [Movable::Box(_)] => matches!(command.to, Parent::Place(_)),
        [Movable::Item(_)] => true,
        _ => false,
    };
    single && ctx.idempotency.is_none()
}

/// Moves the one object of `command`; `Ok(None)` when it kept moving under our feet and the
/// caller should take the transactional path.
pub(crate) fn run(
    pool: &Pool<ConnectionManager<PgConnection>>,
    command: &MoveCommand,
    ctx: &WriteContext,
) -> Result<Option<Vec<MoveOutcome>>, DbError> {
    let mut conn = crate::pool::checkout(pool)?;
    for _ in 0..ATTEMPTS {
        if let Some(outcome) = crate::tx::retry(|| attempt(&mut conn, command, ctx))? {
            return Ok(Some(vec![outcome]));
        }
    }
    Ok(None)
}

/// One read-check-write round; `Ok(None)` when the object was no longer where it was read.
pub(crate) fn attempt(
    c: &mut PgConnection,
    command: &MoveCommand,
    ctx: &WriteContext,
) -> Result<Option<MoveOutcome>, DbError> {
    let [object] = command.objects.as_slice() else {
        return Err(DbError::corrupt("single move with several objects"));
    };
    let key = object.to_string();
    let columns: Option<(Option<String>, Option<String>)> = match object {
        Movable::Box(_) => boxes::table
            .find(&key)
            .select((boxes::parent_box, boxes::parent_place))
            .first(c)
            .optional()?,
        Movable::Item(_) => items::table
            .find(&key)
            .select((items::parent_box, items::parent_place))
            .first(c)
            .optional()?,
    };
    let (from_box, from_place) =
        columns.ok_or_else(|| AppError::not_found(object.object_id().kind().as_str(), object))?;
    let parent = parent_from(from_box.as_deref(), from_place.as_deref())?;
    // A box only goes to a place here: no chain of boxes to check against.
    eckwms_domain::movement::moves::check_moves(
        &[MoveSubject {
            object: *object,
            parent,
        }],
        command.to,
        &[],
        command.expected_from,
    )?;
    let outcome = MoveOutcome {
        object: *object,
        from: parent,
        to: command.to,
        moved: parent != Some(command.to),
    };
    if !outcome.moved {
        return Ok(Some(outcome));
    }
    let change = Change::moved(
        object.object_id(),
        parent.map(Parent::object_id),
        command.to.object_id(),
    );
    let (to_box, to_place) = parent_columns(Some(command.to));
    let from_id = change.from.map(|id| id.to_string());
    let to_id = command.to.to_string();
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
    let written: QueryResult<Vec<i64>> = match object {
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
        Ok(seqs) if seqs.is_empty() => Ok(None),
        Ok(_) => Ok(Some(outcome)),
        // The only reference the statement sets is the target's.
        Err(DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _)) => {
            let kind = match command.to {
                Parent::Box(_) => "box",
                Parent::Place(_) => "place",
            };
            Err(AppError::not_found(kind, command.to).into())
        }
        Err(e) => Err(e.into()),
    }
}
