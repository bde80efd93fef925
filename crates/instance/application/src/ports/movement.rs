//! Movement and the ledger: moving items and boxes, what a container holds, where an object
//! is, its history, and the whole ledger for `eckwms verify`.

use std::collections::BTreeMap;

use eckwms_domain::{LedgerEntry, Movable, ObjectId, Parent, PlaceId, Replay, State, Warehouse};
#[cfg(feature = "mock")]
use mockall::automock;

use super::*;
use crate::error::AppResult;

/// A move request after validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MoveCommand {
    pub objects: Vec<Movable>,
    pub to: Parent,
    /// `Some(x)`: every object must currently be at `x` (`None` = nowhere), else a conflict.
    pub expected_from: Option<Option<Parent>>,
}

/// What happened to one object of a move.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MoveOutcome {
    pub object: Movable,
    pub from: Option<Parent>,
    pub to: Parent,
    /// False when the object was already there (nothing recorded).
    pub moved: bool,
}

/// One object inside a container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContentEntry {
    pub object: Movable,
    pub name: Option<String>,
    pub parent: Parent,
}

/// One step of a location path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathStep {
    pub container: Parent,
    pub name: Option<String>,
}

/// Where an object is: the chain of containers from its parent up to the place, and the warehouse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub object: Movable,
    /// Innermost first; empty when the object is nowhere.
    pub path: Vec<PathStep>,
    pub place: Option<PlaceId>,
    pub warehouse: Option<Warehouse>,
}

#[cfg_attr(feature = "mock", automock)]
pub trait MoveRepository: Send + Sync {
    fn contents(
        &self,
        container: Parent,
        recursive: bool,
        page: &PageQuery<ObjectId>,
    ) -> AppResult<Vec<ContentEntry>>;
    fn location(&self, object: Movable) -> AppResult<Location>;
}

#[cfg_attr(feature = "mock", automock)]
pub trait LedgerRepository: Send + Sync {
    /// Ledger rows touching the object (as subject, origin or destination), by sequence.
    fn history(&self, object: ObjectId, page: &PageQuery<i64>) -> AppResult<Vec<LedgerEntry>>;
    /// Whether the object exists now, or ever existed (has ledger rows).
    fn object_known(&self, object: ObjectId) -> AppResult<bool>;
    /// In one consistent snapshot: feeds the whole ledger to `replay` and returns the stored
    /// state of every object.
    fn snapshot_for_verify(&self, replay: &mut Replay) -> AppResult<BTreeMap<ObjectId, State>>;
    /// The highest committed sequence number, 0 for an empty ledger (one index lookup).
    fn head(&self) -> AppResult<i64>;
}
