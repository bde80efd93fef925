//! ECKWMS domain: identifiers, validated values, entities, move rules and the ledger.
//!
//! Pure rules only: no I/O, no database, no HTTP, no async runtime.

pub mod error;
pub mod id;
pub mod ledger;
pub mod model;
pub mod moves;
pub mod order_public;
mod refusals;
pub mod scan;
pub mod serial;
pub mod text;

pub use error::{DomainError, FieldError, Validation};
pub use id::{BoxId, IdError, IdKind, ItemId, ObjectId, OrderId, PlaceId, RackId, WarehouseId};
pub use ledger::{Change, ChangeKind, LedgerEntry, Replay, State};
pub use model::*;
pub use moves::{MoveError, MoveSubject};
pub use order_public::{OrderPublicFields, PublicOrderField};
pub use text::{Code, Name, Note, Text};
