//! The movement wing: what may move where ([`moves`]), what a move takes ([`Movable`]), and
//! the append-only ledger every change is written to and replayed from ([`ledger`]).

pub mod ledger;
mod movable;
pub mod moves;

pub use movable::Movable;
