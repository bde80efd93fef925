//! The application's [`UnitOfWork`], implemented for [`Database`]: the transaction, its
//! retries and SQLite's single writer stay here; the work itself (`sql/unit.rs` gives it its
//! transaction) is the application's.

use std::any::Any;
use std::sync::Arc;

use eckwms_application::AppResult;
use eckwms_application::ports::{IdempotencyKeyRef, SingleMoves, UnitOfWork, Work};

use crate::error::DbError;
use crate::pool::{Database, DbPool};

impl UnitOfWork for Database {
    fn run(
        &self,
        idempotency: Option<IdempotencyKeyRef>,
        mut work: Work,
    ) -> AppResult<Box<dyn Any + Send>> {
        let result: Result<_, DbError> = match &self.pool {
            DbPool::Sqlite { writer, .. } => {
                // The writer thread serializes every write: it runs the work once, in its own
                // savepoint of the writer's transaction.
                writer.write(move |c| {
                    crate::sqlite::mark_applied(c, idempotency.as_ref())?;
                    crate::sqlite::run_unit(c, &mut work)
                })
            }
            DbPool::Pg(pool) => (|| {
                let mut guard = crate::pool::checkout(pool)?;
                let conn: &mut diesel::PgConnection = &mut guard;
                unit_retry(|| {
                    diesel::Connection::transaction(conn, |c| {
                        crate::pg::mark_applied(c, idempotency.as_ref())?;
                        crate::pg::run_unit(c, &mut work)
                    })
                })
            })(),
        };
        result.map_err(Into::into)
    }
}

impl Database {
    /// The moves of one object without an explicit transaction, where this backend has them:
    /// PostgreSQL (two round trips instead of five); none on SQLite, whose writer thread runs
    /// every write and has no round trips to save.
    pub fn single_moves(&self) -> Option<Arc<dyn SingleMoves>> {
        match &self.pool {
            DbPool::Sqlite { .. } => None,
            DbPool::Pg(pool) => Some(Arc::new(crate::single_move::PgSingleMoves::new(
                pool.clone(),
            ))),
        }
    }
}

/// As `tx::retry`, and up to twice more after a unique violation: two devices scanning the same
/// new label at once both try to create its object; the retry finds it created.
fn unit_retry<T>(mut attempt: impl FnMut() -> Result<T, DbError>) -> Result<T, DbError> {
    let mut unique_retries = 0;
    crate::tx::retry(|| match attempt() {
        Err(DbError::Diesel(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ))) if unique_retries < 2 => {
            unique_retries += 1;
            attempt()
        }
        other => other,
    })
}
