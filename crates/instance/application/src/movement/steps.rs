//! A move, step by step: the same steps for a move request and for a scan that moves things.
//!
//! [`apply`] runs inside a unit of work ([`Tx`]): lock the objects and read where they are,
//! read the target's chain of boxes (or the target place's role), let the domain check the move
//! ([`eckwms_domain::movement::moves::check_moves`]), put the objects into the target, append
//! the ledger rows, and, onto an intake or shipped place, move on the orders of the parcels
//! moved (`crate::repair::arrival`). [`single`] is the way of one object without a transaction,
//! where the backend offers it ([`SingleMoves`]): read, check, then move only if the object is
//! still where it was read; never onto a place whose role changes orders.
//!
//! A role given to a place while a single move onto it is between its read and its write lets
//! that one move pass without changing orders, as if it had come first; the window is one
//! round trip, and a role is set once when a desk is set up.

use std::collections::HashMap;

use eckwms_domain::movement::moves::check_moves;
use eckwms_domain::repair::arrival::moves_change_orders;
use eckwms_domain::{Change, Movable, MoveSubject, Parent};

use crate::error::{AppError, AppResult};
use crate::ports::{Located, MoveCommand, MoveOutcome, SingleMoves, Tx, UnitOfWork, WriteContext};

/// Lost races (the object moved between read and write) before a single move takes the
/// transactional way, which waits for the object's lock instead.
pub const SINGLE_MOVE_ATTEMPTS: u32 = 4;

/// Moves as the command says, committed when this returns: the single-object way of `single`
/// where it is offered and fits, else `apply` in one unit of work (marking `ctx.idempotency`
/// applied in it). The way of every move request.
pub fn run(
    unit: &dyn UnitOfWork,
    single: Option<&dyn SingleMoves>,
    command: &MoveCommand,
    ctx: &WriteContext,
) -> AppResult<Vec<MoveOutcome>> {
    if let Some(single) = single
        && let Some(outcomes) = self::single(single, command, ctx)?
    {
        return Ok(outcomes);
    }
    let (command, in_tx) = (command.clone(), ctx.clone());
    unit.write(ctx.idempotency.clone(), move |tx| {
        apply(tx, &command, &in_tx)
    })
}

/// Moves every object of `command` to its target, in the caller's transaction.
pub fn apply(
    tx: &mut dyn Tx,
    command: &MoveCommand,
    ctx: &WriteContext,
) -> AppResult<Vec<MoveOutcome>> {
    let located: HashMap<Movable, Option<Parent>> = tx
        .moves()
        .lock_for_move(&command.objects, command.to)?
        .into_iter()
        .map(|l| (l.object, l.parent))
        .collect();
    let mut subjects = Vec::with_capacity(command.objects.len());
    for object in &command.objects {
        let parent = located
            .get(object)
            .ok_or_else(|| AppError::not_found(object.object_id().kind().as_str(), object))?;
        subjects.push(MoveSubject {
            object: *object,
            parent: *parent,
        });
    }
    // The target's chain of boxes matters only when boxes move; the lock taken for the move
    // keeps it as it is until the transaction ends.
    let boxes_move = command
        .objects
        .iter()
        .any(|object| matches!(object, Movable::Box(_)));
    let mut role = None;
    let chain = match command.to {
        Parent::Box(target) if boxes_move => tx.moves().box_chain(target)?,
        Parent::Box(target) => {
            if !tx.moves().container_exists(command.to)? {
                return Err(AppError::not_found("box", target));
            }
            Vec::new()
        }
        Parent::Place(target) => {
            role = tx
                .moves()
                .place_role(target)?
                .ok_or_else(|| AppError::not_found("place", target))?;
            Vec::new()
        }
    };
    check_moves(&subjects, command.to, &chain, command.expected_from)?;

    let mut outcomes = Vec::with_capacity(subjects.len());
    let mut changes = Vec::new();
    // As they were before the move.
    let mut moved: Vec<MoveSubject> = Vec::new();
    for subject in &subjects {
        let outcome = outcome(subject, command.to);
        if outcome.moved {
            moved.push(*subject);
            changes.push(change(subject, command.to));
        }
        outcomes.push(outcome);
    }
    if !moved.is_empty() {
        let objects: Vec<Movable> = moved.iter().map(|s| s.object).collect();
        tx.moves().set_parents(&objects, command.to, ctx)?;
        tx.ledger().append(ctx, &changes)?;
        if let (Parent::Place(place), Some(role)) = (command.to, role) {
            crate::repair::arrival::after_move(tx, place, role, &moved, ctx)?;
        }
    }
    Ok(outcomes)
}

/// Moves the one object of `command` without a transaction; `None` when the move is not one
/// for this way (several objects, a box into a box, an idempotency key to mark in the same
/// transaction) or the object kept moving under our feet: then it takes the transactional way.
///
/// The move takes effect where the object is where the check saw it, so the outcome is the one
/// the transactional way would give at that moment.
pub fn single(
    moves: &dyn SingleMoves,
    command: &MoveCommand,
    ctx: &WriteContext,
) -> AppResult<Option<Vec<MoveOutcome>>> {
    // A box going into a box needs the target's chain of boxes, which must not change before
    // the move commits: only a transaction holds it still.
    let object = match command.objects.as_slice() {
        [object @ Movable::Box(_)] if matches!(command.to, Parent::Place(_)) => *object,
        [object @ Movable::Item(_)] => *object,
        _ => return Ok(None),
    };
    if ctx.idempotency.is_some() {
        return Ok(None);
    }
    for _ in 0..SINGLE_MOVE_ATTEMPTS {
        let (from, role): (Located, _) = moves.locate(object, command.to)?;
        // A move onto a place whose role moves orders on changes the orders in the move's
        // transaction: only the transactional way has one.
        if role.is_some_and(moves_change_orders) {
            return Ok(None);
        }
        let subject = MoveSubject::from(&from);
        check_moves(&[subject], command.to, &[], command.expected_from)?;
        let outcome = outcome(&subject, command.to);
        if !outcome.moved {
            return Ok(Some(vec![outcome]));
        }
        if moves.move_if_still(&from, command.to, &change(&subject, command.to), ctx)? {
            return Ok(Some(vec![outcome]));
        }
    }
    Ok(None)
}

fn outcome(subject: &MoveSubject, to: Parent) -> MoveOutcome {
    MoveOutcome {
        object: subject.object,
        from: subject.parent,
        to,
        moved: subject.parent != Some(to),
    }
}

fn change(subject: &MoveSubject, to: Parent) -> Change {
    Change::moved(
        subject.object.object_id(),
        subject.parent.map(Parent::object_id),
        to.object_id(),
    )
}
