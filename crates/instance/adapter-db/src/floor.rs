//! The engine's floor, for the bench harness (feature `floor`).
//!
//! [`MoveFloor::apply`] runs the steps of one move — the very steps and query functions the
//! service runs for `POST /api/v1/moves` (`eckwms_application::movement::steps`) — on one
//! connection, with nothing of the service around them:
//! no HTTP, no authentication, no pool, no writer thread and its group commits, no retries.
//! SQLite: one `BEGIN IMMEDIATE` transaction per move; like the service's writer connection,
//! this one never checkpoints inside a commit (`wal_autocheckpoint = 0`): the background
//! checkpoints of a service running on the same database copy the WAL back meanwhile (without
//! one, the WAL would grow for as long as the loop runs).
//! PostgreSQL: what the service's single-object path does (read, check, the one-statement
//! move; a lost race reads again), else one transaction. A loop of these on the machine is the
//! rate its database engine gives these statements: the bench judges the service against it.

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, SqliteConnection};
use eckwms_application::AppResult;
use eckwms_application::movement::steps as moving;
use eckwms_application::ports::{Located, MoveCommand, MoveOutcome, SingleMoves, WriteContext};
use eckwms_db_kit::pool::{Backend, SqlitePragmas, Synchronous};
use eckwms_domain::{Change, Movable, Parent, PlaceRole};
use parking_lot::Mutex;

use crate::error::DbError;

enum FloorConn {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

/// One connection that moves objects the bare way.
pub struct MoveFloor(FloorConn);

impl MoveFloor {
    /// A connection to a migrated database, set up as the service sets its own (SQLite: WAL,
    /// `synchronous = normal`, the same page cache and memory map; PostgreSQL: the same session).
    pub fn open(url: &str) -> anyhow::Result<Self> {
        Ok(Self(match Backend::of(url)? {
            Backend::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path)?;
                SqlitePragmas::new(Synchronous::Normal, std::time::Duration::from_secs(5))
                    .then(crate::pool::SQLITE_TUNING)
                    .apply(&mut conn)?;
                conn.batch_execute("PRAGMA wal_autocheckpoint = 0;")?;
                FloorConn::Sqlite(conn)
            }
            Backend::Postgres(url) => {
                let mut conn = PgConnection::establish(url)?;
                conn.batch_execute(crate::pool::PG_SESSION)?;
                FloorConn::Pg(conn)
            }
        }))
    }

    /// Moves as the command says, committed when this returns.
    pub fn apply(
        &mut self,
        command: &MoveCommand,
        ctx: &WriteContext,
    ) -> AppResult<Vec<MoveOutcome>> {
        let result: Result<_, DbError> = match &mut self.0 {
            FloorConn::Sqlite(c) => c.immediate_transaction(|c| {
                crate::sqlite::in_unit(c, |tx| moving::apply(tx, command, ctx))
            }),
            FloorConn::Pg(c) => (|| {
                let single = BareSingleMoves(Mutex::new(&mut *c));
                if let Some(outcomes) = moving::single(&single, command, ctx)? {
                    return Ok(outcomes);
                }
                c.transaction(|c| crate::pg::in_unit(c, |tx| moving::apply(tx, command, ctx)))
            })(),
        };
        result.map_err(Into::into)
    }
}

/// The single-object moves of the service's PostgreSQL path, on the floor's one connection
/// (no pool, no retries).
struct BareSingleMoves<'a>(Mutex<&'a mut PgConnection>);

impl SingleMoves for BareSingleMoves<'_> {
    fn locate(&self, object: Movable, to: Parent) -> AppResult<(Located, Option<PlaceRole>)> {
        Ok(crate::single_move::locate(&mut self.0.lock(), object, to)?)
    }

    fn move_if_still(
        &self,
        from: &Located,
        to: Parent,
        change: &Change,
        ctx: &WriteContext,
    ) -> AppResult<bool> {
        Ok(crate::single_move::move_if_still(
            &mut self.0.lock(),
            from,
            to,
            change,
            ctx,
        )?)
    }
}
