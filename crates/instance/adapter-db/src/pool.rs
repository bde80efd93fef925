//! Connection pools for both backends, chosen from the database URL, and the embedded migrations.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use std::time::Duration;

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, Pool, PooledConnection};
use diesel::{Connection, RunQueryDsl, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use eckwms_db_kit::pool::{
    Backend, PgPool, SqlitePool, SqlitePragmas, create_parent_dirs, postgres_pool, sqlite_pool,
};

use crate::error::DbError;
use crate::writer::SqliteWriter;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations =
    embed_migrations!("../../../migrations/instance/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations =
    embed_migrations!("../../../migrations/instance/postgres");

pub use eckwms_db_kit::pool::DbSettings;

pub use eckwms_db_kit::redact_url;

pub(crate) enum DbPool {
    Sqlite {
        pool: SqlitePool,
        /// SQLite has one writer at a time: this process writes through one connection owned
        /// by a thread that commits queued writes in groups, in arrival order (`writer.rs`).
        /// Being the only writer of the process, its page cache stays warm. Other processes
        /// are still excluded by BEGIN IMMEDIATE.
        writer: SqliteWriter,
    },
    Pg(PgPool),
}

/// Every SQLite connection, after the shared settings (WAL, `busy_timeout`, foreign keys,
/// `synchronous`, `eckwms_db_kit::pool::SqlitePragmas`): a 16 MiB page cache, reads through a
/// memory map, and a bound on the WAL file kept after a checkpoint. Checkpoints run in the
/// background (see `spawn_checkpointer`); the writer connection turns the automatic one off
/// (pool connections only read, so it never fires on them).
pub(crate) const SQLITE_TUNING: &str = "PRAGMA cache_size = -16000;
     PRAGMA mmap_size = 2147418112;
     PRAGMA journal_size_limit = 536870912;";

/// Bounds on PostgreSQL waits: a write never waits for a lock, nor a statement runs, forever.
/// A timeout surfaces as 503 (retryable) to the client.
///
/// Prepared statements always run their generic plan: with the default plan cache mode,
/// PostgreSQL planned statements binding an array (`id = ANY($1)`, the ledger append) anew at
/// every execution, because a generic plan for an array of unknown length is estimated dearer
/// than one for the array at hand; that planning was a third of the server's CPU in a moves
/// benchmark. Every statement of the service is an index lookup or an index-ordered scan whose
/// plan does not depend on the values bound, so nothing is lost.
pub(crate) const PG_SESSION: &str = "SET lock_timeout = '10s'; SET statement_timeout = '60s'; \
     SET TIME ZONE 'UTC'; SET plan_cache_mode = force_generic_plan;";

/// The database: a pool of one backend. Implements every repository port.
pub struct Database {
    pub(crate) pool: DbPool,
    /// The events stream's horizon: every ledger number at or below it is settled (see
    /// `sql/events.rs`).
    pub(crate) ledger_horizon: crate::repos::LedgerHorizon,
    /// SQLite: the background checkpoint thread, held for its `Drop`, which stops it.
    _checkpointer: Option<Checkpointer>,
}

/// The SQLite checkpoint thread and the flag that stops it.
struct Checkpointer {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            // Woken from its wait, it ends before the database's connections close, so that no
            // checkpoint of ours is still running when the caller opens the file again.
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

/// How often the background thread copies the WAL back into the SQLite database file.
const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(250);

/// WAL frames (pages) after which the writer is asked to let the WAL start over.
const RESTART_FRAMES: i64 = 65_536;
/// Passive checkpoints run back to back before the writer is asked to finish the job.
const CATCH_UP_PASSES: usize = 3;

#[derive(diesel::QueryableByName)]
struct CheckpointResult {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    log: i32,
}

/// Runs passive checkpoints from its own connection, copying the WAL back into the database
/// file while the writer goes on. The writer never checkpoints inside a commit (that would
/// stall every queued write for the fsyncs). Under sustained writes a passive checkpoint never
/// catches up completely, and SQLite only starts the WAL over from its beginning when one did;
/// so when the WAL has grown past [`RESTART_FRAMES`], this thread asks the writer to run one
/// short checkpoint of the few frames added since this pass, between two write groups.
fn spawn_checkpointer(pool: SqlitePool, restart: Arc<AtomicBool>) -> anyhow::Result<Checkpointer> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let thread = std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                // Unparked early when the database is dropped; an early wake-up otherwise only
                // brings a pass forward.
                std::thread::park_timeout(CHECKPOINT_INTERVAL);
                if flag.load(Ordering::Relaxed) {
                    break;
                }
                let result = pool.get().map_err(|e| e.to_string()).and_then(|mut c| {
                    let mut pass = || {
                        diesel::sql_query("PRAGMA wal_checkpoint(PASSIVE)")
                            .load::<CheckpointResult>(&mut c)
                            .map(|rows| rows.first().map_or(0, |r| i64::from(r.log)))
                            .map_err(|e| e.to_string())
                    };
                    if pass()? < RESTART_FRAMES {
                        return Ok(false);
                    }
                    // Each further pass copies only what was written during the previous one,
                    // so the writer is left with a short tail to copy and flush.
                    for _ in 0..CATCH_UP_PASSES {
                        pass()?;
                    }
                    Ok(true)
                });
                match result {
                    Ok(true) => restart.store(true, Ordering::Relaxed),
                    Ok(false) => {}
                    Err(e) => tracing::debug!(error = %e, "background checkpoint skipped"),
                }
            }
        })
        .context("starting the SQLite checkpoint thread")?;
    Ok(Checkpointer {
        stop,
        thread: Some(thread),
    })
}

/// A connection of the pool (the kit's, shared with the global service), or
/// `DbError::Unavailable`.
pub(crate) fn checkout<C>(
    pool: &Pool<ConnectionManager<C>>,
) -> Result<PooledConnection<ConnectionManager<C>>, DbError>
where
    C: diesel::r2d2::R2D2Connection + 'static,
{
    Ok(eckwms_db_kit::pool::checkout(pool)?)
}

impl Database {
    /// Opens a pool for the URL's backend. SQLite files (and their directory) are created.
    pub fn connect(settings: &DbSettings) -> anyhow::Result<Self> {
        let path = match Backend::of(&settings.url)? {
            Backend::Postgres(url) => {
                let pool = postgres_pool(
                    url,
                    settings.pool_size,
                    settings.connect_timeout,
                    settings.open_all_at_start,
                    PG_SESSION,
                )?;
                return Ok(Self {
                    pool: DbPool::Pg(pool),
                    ledger_horizon: Default::default(),
                    _checkpointer: None,
                });
            }
            Backend::Sqlite(path) => path,
        };
        create_parent_dirs(path)?;
        let pragmas = SqlitePragmas::new(
            settings.sqlite_synchronous.parse()?,
            settings.sqlite_busy_timeout,
        )
        .then(SQLITE_TUNING);
        let writer_pragmas = pragmas.clone();
        let writer_path = path.to_owned();
        let restart = Arc::new(AtomicBool::new(false));
        let writer = SqliteWriter::start(
            Arc::clone(&restart),
            Box::new(move || {
                let mut conn = SqliteConnection::establish(&writer_path)
                    .with_context(|| format!("opening SQLite database {writer_path}"))?;
                writer_pragmas
                    .apply(&mut conn)
                    .with_context(|| format!("configuring SQLite database {writer_path}"))?;
                // Checkpoints are the background thread's work: one inside a commit would stall
                // every queued writer for its fsyncs.
                conn.batch_execute("PRAGMA wal_autocheckpoint = 0;")
                    .with_context(|| format!("configuring SQLite database {writer_path}"))?;
                Ok(conn)
            }),
        )?;
        let pool = sqlite_pool(path, settings.pool_size, settings.connect_timeout, pragmas)?;
        let checkpointer = Some(spawn_checkpointer(pool.clone(), restart)?);
        Ok(Self {
            pool: DbPool::Sqlite { pool, writer },
            ledger_horizon: Default::default(),
            _checkpointer: checkpointer,
        })
    }

    /// How many calls can use the database at once without queueing inside this crate:
    /// PostgreSQL, one per pooled connection; SQLite, one per reading connection plus a full
    /// group of writes for the writer thread. Callers that admit more only add threads
    /// blocked in the pool (see `Calls` in the HTTP adapter).
    pub fn concurrent_calls(&self) -> usize {
        match &self.pool {
            DbPool::Sqlite { pool, .. } => pool.max_size() as usize + crate::writer::MAX_GROUP,
            DbPool::Pg(pool) => pool.max_size() as usize,
        }
    }

    /// Sets the pool's gauges (connections in use and idle) from its state now; read when
    /// metrics are scraped. SQLite: the reading connections (writes go through the writer's
    /// one connection, outside the pool).
    pub fn record_pool_metrics(&self) {
        match &self.pool {
            DbPool::Sqlite { pool, .. } => eckwms_db_kit::pool::record_pool_state(pool),
            DbPool::Pg(pool) => eckwms_db_kit::pool::record_pool_state(pool),
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self.pool {
            DbPool::Sqlite { .. } => "sqlite",
            DbPool::Pg(_) => "postgres",
        }
    }

    /// Applies pending migrations; returns the versions applied.
    pub fn run_migrations(&self) -> anyhow::Result<Vec<String>> {
        fn run<C: MigrationHarness<diesel::sqlite::Sqlite>>(
            c: &mut C,
        ) -> anyhow::Result<Vec<String>> {
            let applied = c
                .run_pending_migrations(SQLITE_MIGRATIONS)
                .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
            Ok(applied.iter().map(ToString::to_string).collect())
        }
        match &self.pool {
            DbPool::Sqlite { writer, .. } => writer
                .exclusive(|conn| Ok(run(conn)))
                .map_err(anyhow::Error::from)?,
            DbPool::Pg(pool) => {
                let mut conn = checkout(pool).map_err(anyhow::Error::from)?;
                // Two processes starting together must not migrate at once.
                conn.batch_execute("SELECT pg_advisory_lock(7201)")?;
                let result = conn
                    .run_pending_migrations(POSTGRES_MIGRATIONS)
                    .map(|v| v.iter().map(ToString::to_string).collect())
                    .map_err(|e| anyhow::anyhow!("migration failed: {e}"));
                conn.batch_execute("SELECT pg_advisory_unlock(7201)")?;
                result
            }
        }
    }

    /// Reverts every applied migration (tests of down.sql).
    pub fn revert_all_migrations(&self) -> anyhow::Result<usize> {
        let map =
            |e: Box<dyn std::error::Error + Send + Sync>| anyhow::anyhow!("revert failed: {e}");
        match &self.pool {
            DbPool::Sqlite { writer, .. } => writer
                .exclusive(move |conn| {
                    Ok(conn
                        .revert_all_migrations(SQLITE_MIGRATIONS)
                        .map(|v| v.len())
                        .map_err(map))
                })
                .map_err(anyhow::Error::from)?,
            DbPool::Pg(pool) => {
                let mut conn = checkout(pool).map_err(anyhow::Error::from)?;
                Ok(conn
                    .revert_all_migrations(POSTGRES_MIGRATIONS)
                    .map_err(map)?
                    .len())
            }
        }
    }

    /// Reverts the newest applied migration and returns its version (tests of a migration
    /// over data written before it).
    pub fn revert_last_migration(&self) -> anyhow::Result<String> {
        let map =
            |e: Box<dyn std::error::Error + Send + Sync>| anyhow::anyhow!("revert failed: {e}");
        match &self.pool {
            DbPool::Sqlite { writer, .. } => writer
                .exclusive(move |conn| {
                    Ok(conn
                        .revert_last_migration(SQLITE_MIGRATIONS)
                        .map(|v| v.to_string())
                        .map_err(map))
                })
                .map_err(anyhow::Error::from)?,
            DbPool::Pg(pool) => {
                let mut conn = checkout(pool).map_err(anyhow::Error::from)?;
                Ok(conn
                    .revert_last_migration(POSTGRES_MIGRATIONS)
                    .map_err(map)?
                    .to_string())
            }
        }
    }

    pub(crate) fn pending(&self) -> Result<Vec<String>, DbError> {
        let map = |e: Box<dyn std::error::Error + Send + Sync>| {
            DbError::Unavailable(anyhow::anyhow!("{e}"))
        };
        match &self.pool {
            DbPool::Sqlite { pool, .. } => {
                let mut conn = checkout(pool)?;
                let pending = conn.pending_migrations(SQLITE_MIGRATIONS).map_err(map)?;
                Ok(pending.iter().map(|m| m.name().to_string()).collect())
            }
            DbPool::Pg(pool) => {
                let mut conn = checkout(pool)?;
                let pending = conn.pending_migrations(POSTGRES_MIGRATIONS).map_err(map)?;
                Ok(pending.iter().map(|m| m.name().to_string()).collect())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(diesel::QueryableByName)]
    struct CompileOption {
        #[diesel(sql_type = diesel::sql_types::Text)]
        compile_options: String,
    }

    /// `.cargo/config.toml` builds the bundled SQLite with `SQLITE_ENABLE_QPSG`: without it,
    /// every statement with a `LIMIT ?` is parsed again at each execution.
    #[test]
    fn sqlite_is_built_with_a_stable_query_planner() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        let options: Vec<String> = diesel::sql_query("PRAGMA compile_options")
            .load::<CompileOption>(&mut conn)
            .unwrap()
            .into_iter()
            .map(|o| o.compile_options)
            .collect();
        assert!(options.iter().any(|o| o == "ENABLE_QPSG"), "{options:?}");
    }
}
