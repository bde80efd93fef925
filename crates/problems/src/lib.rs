//! The stable problem codes of both ECKWMS services, in one place.
//!
//! A client branches on a problem's `code`, so a code is an API promise: it is named here once,
//! with the status and title it is always answered with, and the docs' tables are checked
//! against [`ProblemCode::ALL`] (see `tests/docs.rs`). Pure on purpose: the domain and
//! application crates use it, and they must not name actix or diesel.

mod code;

pub use code::ProblemCode;
