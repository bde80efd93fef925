//! The open transaction of a unit of work ([`Unit`], the application's `Tx`), and running a
//! unit's work in it. Mounted twice, as a module of `sqlite` and of `pg` (see `sqlite.rs`).
//! Each wing implements its part of the transaction next to its queries: `ItemsTx` in
//! `items.rs`, `BoxesTx` in `boxes.rs`, `OrdersTx` in `orders.rs`, `MovesTx` and `LedgerTx` in
//! `moves.rs`, `ScansTx` and `ObjectsTx` in `scans.rs`; implementing them all makes `Unit` the
//! application's `Tx`.

use eckwms_application::ports::{Tx, Work};

use super::*;

/// A unit of work's view of its transaction. A statement that fails leaves the transaction
/// unusable on PostgreSQL: the error is kept, every later call is refused, and the error ends
/// the work after it returns, so the transaction rolls back (and is retried when the failure
/// is transient). A refusal of the application (`DbError::App`) leaves the transaction usable.
pub(crate) struct Unit<'a> {
    c: &'a mut Conn,
    failed: Option<DbError>,
}

impl Unit<'_> {
    /// Runs one query function of the transaction.
    pub(crate) fn run<T>(
        &mut self,
        f: impl FnOnce(&mut Conn) -> Result<T, DbError>,
    ) -> AppResult<T> {
        if self.failed.is_some() {
            return Err(AppError::Unavailable(anyhow::anyhow!(
                "an earlier statement of this unit of work failed"
            )));
        }
        match f(self.c) {
            Ok(value) => Ok(value),
            Err(DbError::App(e)) => Err(e),
            Err(e) => {
                let answer = AppError::Unavailable(anyhow::anyhow!("{e}"));
                self.failed = Some(e);
                Err(answer)
            }
        }
    }
}

/// Runs a unit's work in the caller's transaction.
pub(crate) fn run_unit(
    c: &mut Conn,
    work: &mut Work,
) -> Result<Box<dyn std::any::Any + Send>, DbError> {
    in_unit(c, |tx| work(tx))
}

/// Runs `work` on the caller's transaction as a unit of work's transaction.
pub(crate) fn in_unit<T>(
    c: &mut Conn,
    work: impl FnOnce(&mut dyn Tx) -> AppResult<T>,
) -> Result<T, DbError> {
    let mut unit = Unit { c, failed: None };
    let result = work(&mut unit);
    if let Some(e) = unit.failed {
        return Err(e);
    }
    Ok(result?)
}
