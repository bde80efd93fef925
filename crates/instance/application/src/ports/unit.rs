//! One unit of work: a use case that changes several things runs them in one write
//! transaction, through `write` on `dyn UnitOfWork`, composing the repository operations of the
//! open transaction ([`Tx`]: `tx.items()`, `tx.moves()`, `tx.ledger()`, ...) with the domain's
//! rules in between.
//!
//! The adapter owns the transaction: it starts it, retries the whole work when the database
//! asks for it (a serialization failure, a deadlock, a busy file, or a unique key a concurrent
//! writer took first), runs it on SQLite's single writer, and commits or rolls back. The work
//! may therefore run more than once and on another thread: it owns what it uses, and it has no
//! effect outside the transaction.
//!
//! A use case that changes one thing calls its wing's repository port instead: one port method
//! is one transaction there too.

use std::any::Any;

use eckwms_domain::{Change, Movable, MoveSubject, Parent};
#[cfg(feature = "mock")]
use mockall::automock;

use super::*;
use crate::error::{AppError, AppResult};

/// The repositories of one open write transaction, by wing. Each accessor hands out the same
/// transaction; what one does, the others see.
pub trait Tx {
    /// Items: serial lookups, creation under a given id, patches.
    fn items(&mut self) -> &mut dyn ItemsTx;
    /// Boxes: creation under a given id, patches.
    fn boxes(&mut self) -> &mut dyn BoxesTx;
    /// Orders: creation under a given id, the boxes linked to them.
    fn orders(&mut self) -> &mut dyn OrdersTx;
    /// Where items and boxes are, and putting them elsewhere.
    fn moves(&mut self) -> &mut dyn MovesTx;
    /// The append-only ledger.
    fn ledger(&mut self) -> &mut dyn LedgerTx;
    /// The scan log and the scanners' sessions.
    fn scans(&mut self) -> &mut dyn ScansTx;
    /// Objects of any kind by id, and the objects an extra barcode names.
    fn objects(&mut self) -> &mut dyn ObjectsTx;
    /// The orders a move onto a place with a role concerns.
    fn repair(&mut self) -> &mut dyn RepairTx;
}

/// Whatever implements every wing's part of a transaction is the transaction: each accessor
/// hands out the value itself (the adapter's open transaction, a test's transaction in memory).
impl<T> Tx for T
where
    T: ItemsTx + BoxesTx + OrdersTx + MovesTx + LedgerTx + ScansTx + ObjectsTx + RepairTx,
{
    fn items(&mut self) -> &mut dyn ItemsTx {
        self
    }
    fn boxes(&mut self) -> &mut dyn BoxesTx {
        self
    }
    fn orders(&mut self) -> &mut dyn OrdersTx {
        self
    }
    fn moves(&mut self) -> &mut dyn MovesTx {
        self
    }
    fn ledger(&mut self) -> &mut dyn LedgerTx {
        self
    }
    fn scans(&mut self) -> &mut dyn ScansTx {
        self
    }
    fn objects(&mut self) -> &mut dyn ObjectsTx {
        self
    }
    fn repair(&mut self) -> &mut dyn RepairTx {
        self
    }
}

/// A unit of work as the adapter runs it: its result travels back type-erased (see
/// `write` on `dyn UnitOfWork` for the typed call).
pub type Work = Box<dyn FnMut(&mut dyn Tx) -> AppResult<Box<dyn Any + Send>> + Send>;

#[cfg_attr(feature = "mock", automock)]
pub trait UnitOfWork: Send + Sync {
    /// Runs `work` in one write transaction and commits what it did, or rolls everything back
    /// when it fails. When `idempotency` names a claimed key, the key is marked applied in the
    /// same transaction, so the effect and its key commit together or not at all. A statement
    /// that failed in the database ends the work: its error is the transaction's, even when
    /// the work went on after it.
    fn run(
        &self,
        idempotency: Option<IdempotencyKeyRef>,
        work: Work,
    ) -> AppResult<Box<dyn Any + Send>>;
}

impl dyn UnitOfWork + '_ {
    /// Runs `work` in one write transaction (see [`UnitOfWork::run`]) and returns its result.
    pub fn write<T: Send + 'static>(
        &self,
        idempotency: Option<IdempotencyKeyRef>,
        mut work: impl FnMut(&mut dyn Tx) -> AppResult<T> + Send + 'static,
    ) -> AppResult<T> {
        let erased: Work =
            Box::new(move |tx| work(tx).map(|value| Box::new(value) as Box<dyn Any + Send>));
        self.run(idempotency, erased)?
            .downcast::<T>()
            .map(|value| *value)
            .map_err(|_| {
                AppError::internal(anyhow::anyhow!(
                    "a unit of work returned a value of another type"
                ))
            })
    }
}

/// Where the objects of a move are, as locked for the move.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    pub object: Movable,
    pub parent: Option<Parent>,
}

/// Movement inside a transaction: the steps of a move, with the domain's checks run between
/// them by the application.
#[cfg_attr(feature = "mock", automock)]
pub trait MovesTx {
    /// Locks the objects of a move to `to` for the rest of the transaction and reads where each
    /// is. Objects without a row are left out of the answer; its order is unspecified. Locks
    /// what the adapter needs so that the target's chain of boxes ([`MovesTx::box_chain`])
    /// cannot change before the transaction ends when boxes go into a box.
    fn lock_for_move(&mut self, objects: &[Movable], to: Parent) -> AppResult<Vec<Located>>;
    /// The boxes that contain `start`, innermost first, starting with `start` itself; not found
    /// when the box does not exist.
    fn box_chain(&mut self, start: eckwms_domain::BoxId) -> AppResult<Vec<eckwms_domain::BoxId>>;
    /// Whether the box or place exists.
    fn container_exists(&mut self, container: Parent) -> AppResult<bool>;
    /// The role of the place (`Some(None)`: a place without one); `None` when there is no
    /// such place.
    fn place_role(
        &mut self,
        place: eckwms_domain::PlaceId,
    ) -> AppResult<Option<Option<eckwms_domain::PlaceRole>>>;
    /// Puts the objects into `to` (they were locked by [`MovesTx::lock_for_move`]), adds one to
    /// their versions and sets their `updated_at` to `ctx.at`.
    fn set_parents(&mut self, objects: &[Movable], to: Parent, ctx: &WriteContext)
    -> AppResult<()>;
}

/// The ledger inside a transaction.
#[cfg_attr(feature = "mock", automock)]
pub trait LedgerTx {
    /// Appends one row per change, in order, recorded with `ctx`; returns their numbers.
    fn append(&mut self, ctx: &WriteContext, changes: &[Change]) -> AppResult<Vec<i64>>;
}

/// A move of one object in a single statement that commits on its own, for backends where a
/// transaction costs round trips (PostgreSQL; the adapter offers it where it has it). The application reads where the object is, checks the move,
/// then asks for it to happen only if the object is still there.
#[cfg_attr(feature = "mock", automock)]
pub trait SingleMoves: Send + Sync {
    /// Where the object is now (no lock), and the role of `to` when it is a place with one,
    /// in one read; not found when the object does not exist.
    fn locate(
        &self,
        object: Movable,
        to: Parent,
    ) -> AppResult<(Located, Option<eckwms_domain::PlaceRole>)>;
    /// Moves `change.object` from `from.parent` to `to` and appends `change` to the ledger,
    /// in one statement, if the object is still at `from.parent`; false (nothing changed) when
    /// it moved meanwhile. Not found when `to` does not exist.
    fn move_if_still(
        &self,
        from: &Located,
        to: Parent,
        change: &Change,
        ctx: &WriteContext,
    ) -> AppResult<bool>;
}

/// The subject of a move as the domain checks it.
impl From<&Located> for MoveSubject {
    fn from(located: &Located) -> Self {
        MoveSubject {
            object: located.object,
            parent: located.parent,
        }
    }
}

/// A [`Tx`] made of one mock per wing, for tests of use cases that run a unit of work: set
/// expectations on its fields, then hand it to the work (`work(&mut tx)`).
#[cfg(feature = "mock")]
#[derive(Default)]
pub struct TxMocks {
    pub items: MockItemsTx,
    pub boxes: MockBoxesTx,
    pub orders: MockOrdersTx,
    pub moves: MockMovesTx,
    pub ledger: MockLedgerTx,
    pub scans: MockScansTx,
    pub objects: MockObjectsTx,
    pub repair: MockRepairTx,
}

#[cfg(feature = "mock")]
impl Tx for TxMocks {
    fn items(&mut self) -> &mut dyn ItemsTx {
        &mut self.items
    }
    fn boxes(&mut self) -> &mut dyn BoxesTx {
        &mut self.boxes
    }
    fn orders(&mut self) -> &mut dyn OrdersTx {
        &mut self.orders
    }
    fn moves(&mut self) -> &mut dyn MovesTx {
        &mut self.moves
    }
    fn ledger(&mut self) -> &mut dyn LedgerTx {
        &mut self.ledger
    }
    fn scans(&mut self) -> &mut dyn ScansTx {
        &mut self.scans
    }
    fn objects(&mut self) -> &mut dyn ObjectsTx {
        &mut self.objects
    }
    fn repair(&mut self) -> &mut dyn RepairTx {
        &mut self.repair
    }
}
