//! The movement wing: moving items and boxes, what a container holds, where an object is, and
//! an object's history in the ledger.

use std::sync::Arc;

use eckwms_domain::MoveError;
use eckwms_domain::{LedgerEntry, Movable, Note, ObjectId, Parent, movement::moves};

pub mod steps;

use eckwms_domain::access::Permission;

use crate::access::Actor;
use crate::common::{Page, RequestMeta, paginate};
use crate::error::{AppError, AppResult};
use crate::ports::{
    BoxRepository, Clock, ContentEntry, LedgerRepository, Location, MoveCommand, MoveOutcome,
    MoveRepository, PageQuery, PlaceRepository, SingleMoves, UnitOfWork, WriteContext,
};

/// The checks of a move that need no database; REST moves and scans both pass them.
pub fn check_move(command: &MoveCommand) -> AppResult<()> {
    if command.objects.len() > moves::MAX_MOVE_BATCH {
        return Err(AppError::invalid(
            "objects",
            format!("at most {} objects per move", moves::MAX_MOVE_BATCH),
        ));
    }
    moves::check_distinct(command.objects.iter().copied())?;
    if let Parent::Box(target) = command.to
        && command.objects.contains(&Movable::Box(target))
    {
        return Err(MoveError::IntoItself(target).into());
    }
    Ok(())
}

/// The ports the movement needs: besides moves, the ledger and the unit of work the moves run
/// in, the boxes and places whose contents are asked for.
#[derive(Clone)]
pub struct MovementPorts {
    pub moves: Arc<dyn MoveRepository>,
    pub ledger: Arc<dyn LedgerRepository>,
    /// The transactions of moves.
    pub unit: Arc<dyn UnitOfWork>,
    /// The moves of one object without a transaction, where the backend offers them.
    pub single_moves: Option<Arc<dyn SingleMoves>>,
    pub boxes: Arc<dyn BoxRepository>,
    pub places: Arc<dyn PlaceRepository>,
    pub clock: Arc<dyn Clock>,
}

#[derive(Clone)]
pub struct MovementService {
    ports: MovementPorts,
}

impl MovementService {
    pub fn new(ports: MovementPorts) -> Self {
        Self { ports }
    }

    /// The context of a write: every change here needs [`Permission::InventoryAdjust`] (every read here
    /// [`Permission::InventoryView`]).
    fn ctx(&self, meta: &RequestMeta, reason: Option<&Note>) -> AppResult<WriteContext> {
        meta.write_context(Permission::InventoryAdjust, &*self.ports.clock, reason)
    }

    /// Moves one or several objects atomically. Rejects empty, oversized and duplicate batches
    /// before touching the store.
    pub fn move_objects(
        &self,
        command: &MoveCommand,
        reason: Option<&Note>,
        meta: &RequestMeta,
    ) -> AppResult<Vec<MoveOutcome>> {
        // The permission first, like every use case: an actor without it learns nothing
        // from a validation answer.
        let ctx = self.ctx(meta, reason)?;
        check_move(command)?;
        let outcomes = steps::run(
            &*self.ports.unit,
            self.ports.single_moves.as_deref(),
            command,
            &ctx,
        )?;
        crate::metrics::moved(outcomes.iter().filter(|o| o.moved).count());
        Ok(outcomes)
    }

    pub fn contents(
        &self,
        actor: &Actor,
        container: Parent,
        recursive: bool,
        page: &PageQuery<ObjectId>,
    ) -> AppResult<Page<ContentEntry>> {
        actor.require(Permission::InventoryView)?;
        // The container must exist: an empty page for a typo would mislead.
        match container {
            Parent::Box(id) => drop(self.ports.boxes.get_box(id)?),
            Parent::Place(id) => drop(self.ports.places.get_place(id)?),
        }
        paginate(
            page,
            |q| self.ports.moves.contents(container, recursive, q),
            |e| e.object.to_string(),
        )
    }

    pub fn location(&self, actor: &Actor, object: Movable) -> AppResult<Location> {
        actor.require(Permission::InventoryView)?;
        self.ports.moves.location(object)
    }

    /// The ledger rows of an object, also after it was deleted; 404 for an id never used.
    pub fn history(
        &self,
        actor: &Actor,
        object: ObjectId,
        page: &PageQuery<i64>,
    ) -> AppResult<Page<LedgerEntry>> {
        actor.require(Permission::InventoryView)?;
        let result = paginate(
            page,
            |q| self.ports.ledger.history(object, q),
            |e| e.seq.to_string(),
        )?;
        if result.items.is_empty()
            && page.after.is_none()
            && !self.ports.ledger.object_known(object)?
        {
            return Err(AppError::not_found(object.kind().as_str(), object));
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests;
