//! Connection pools for both backends, chosen from the database URL, and the embedded migrations.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use std::time::Duration;

use anyhow::{Context, bail};
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::DbError;
use crate::writer::SqliteWriter;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations =
    embed_migrations!("../../migrations/instance/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations =
    embed_migrations!("../../migrations/instance/postgres");

/// Connections a pool opens ahead of demand: none. r2d2 opens them on its own threads, and a
/// PostgreSQL connection being opened while the process exits crashed the CLI commands
/// (SIGSEGV in about 3 % of runs). Connections are opened on demand up to `pool_size` and kept.
const MIN_IDLE: u32 = 0;

/// How to reach the database; see `config/default.toml` for the defaults.
#[derive(Clone, Debug)]
pub struct DbSettings {
    /// `sqlite://path/to/file.db` (or `sqlite:path`) or `postgres://user:pass@host/db`.
    pub url: String,
    pub pool_size: u32,
    pub connect_timeout: Duration,
    /// SQLite `synchronous` pragma: `normal` (WAL-safe, fast) or `full` (fsync every commit).
    pub sqlite_synchronous: String,
    pub sqlite_busy_timeout: Duration,
    /// PostgreSQL: open all `pool_size` connections before `connect` returns and keep them for
    /// the life of the pool (the server). See [`Database::connect`].
    pub open_all_at_start: bool,
}

impl Default for DbSettings {
    fn default() -> Self {
        Self {
            url: "sqlite://data/eckwms.db".into(),
            pool_size: 16,
            connect_timeout: Duration::from_secs(5),
            sqlite_synchronous: "normal".into(),
            sqlite_busy_timeout: Duration::from_secs(5),
            open_all_at_start: false,
        }
    }
}

pub use eckwms_db_kit::redact_url;

pub(crate) enum DbPool {
    Sqlite {
        pool: Pool<ConnectionManager<SqliteConnection>>,
        /// SQLite has one writer at a time: this process writes through one connection owned
        /// by a thread that commits queued writes in groups, in arrival order (`writer.rs`).
        /// Being the only writer of the process, its page cache stays warm. Other processes
        /// are still excluded by BEGIN IMMEDIATE.
        writer: SqliteWriter,
    },
    Pg(Pool<ConnectionManager<PgConnection>>),
}

#[derive(Clone, Debug)]
struct SqlitePragmas {
    synchronous: &'static str,
    busy_timeout_ms: u128,
}

impl SqlitePragmas {
    /// Every connection: WAL, a bounded wait for other processes' locks, enforced foreign
    /// keys, the chosen durability, a 16 MiB page cache and reads through a memory map.
    /// Checkpoints run in the background (see `spawn_checkpointer`); the writer connection
    /// turns the automatic one off (pool connections only read, so it never fires on them).
    fn apply(&self, conn: &mut SqliteConnection) -> diesel::QueryResult<()> {
        conn.batch_execute(&format!(
            "PRAGMA busy_timeout = {};
             PRAGMA journal_mode = WAL;
             PRAGMA synchronous = {};
             PRAGMA foreign_keys = ON;
             PRAGMA temp_store = MEMORY;
             PRAGMA cache_size = -16000;
             PRAGMA mmap_size = 2147418112;
             PRAGMA journal_size_limit = 536870912;",
            self.busy_timeout_ms, self.synchronous
        ))
    }
}

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        self.apply(conn).map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Bounds on PostgreSQL waits: a write never waits for a lock, nor a statement runs, forever.
/// A timeout surfaces as 503 (retryable) to the client.
///
/// Prepared statements always run their generic plan: with the default plan cache mode,
/// PostgreSQL planned statements binding an array (`id = ANY($1)`, the ledger append) anew at
/// every execution, because a generic plan for an array of unknown length is estimated dearer
/// than one for the array at hand; that planning was a third of the server's CPU in a moves
/// benchmark. Every statement of the service is an index lookup or an index-ordered scan whose
/// plan does not depend on the values bound, so nothing is lost.
#[derive(Debug)]
struct PgSession;

impl CustomizeConnection<PgConnection, diesel::r2d2::Error> for PgSession {
    fn on_acquire(&self, conn: &mut PgConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(
            "SET lock_timeout = '10s'; SET statement_timeout = '60s'; SET TIME ZONE 'UTC'; \
             SET plan_cache_mode = force_generic_plan;",
        )
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// The database: a pool of one backend. Implements every repository port.
pub struct Database {
    pub(crate) pool: DbPool,
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
fn spawn_checkpointer(
    pool: Pool<ConnectionManager<SqliteConnection>>,
    restart: Arc<AtomicBool>,
) -> anyhow::Result<Checkpointer> {
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

pub(crate) fn checkout<C>(
    pool: &Pool<ConnectionManager<C>>,
) -> Result<PooledConnection<ConnectionManager<C>>, DbError>
where
    C: diesel::r2d2::R2D2Connection + 'static,
{
    pool.get()
        .map_err(|e| DbError::Unavailable(anyhow::anyhow!("no database connection: {e}")))
}

impl Database {
    /// Opens a pool for the URL's backend. SQLite files (and their directory) are created.
    pub fn connect(settings: &DbSettings) -> anyhow::Result<Self> {
        let url = settings.url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let size = settings.pool_size.max(1);
            // r2d2 opens connections on its own threads, and libpq (with OpenSSL and Kerberos
            // over TCP) crashes the process when one is being opened while the process exits:
            // a server stopped right after a burst of requests that grew its pool died of
            // SIGSEGV or SIGABRT in 7 of 400 stops (none of 250 since). The server opens every
            // connection before it serves and keeps them, so that no connection is opened later
            // unless one broke. The CLI commands open on demand (one connection, waited for).
            let mut builder = Pool::builder().max_size(size).min_idle(Some(MIN_IDLE));
            if settings.open_all_at_start {
                builder = builder
                    .min_idle(Some(size))
                    .idle_timeout(None)
                    .max_lifetime(None);
            }
            let pool = builder
                .connection_timeout(settings.connect_timeout)
                .test_on_check_out(false)
                .connection_customizer(Box::new(PgSession))
                .build(ConnectionManager::<PgConnection>::new(url))
                .with_context(|| format!("connecting to {}", redact_url(url)))?;
            return Ok(Self {
                pool: DbPool::Pg(pool),
                _checkpointer: None,
            });
        }
        let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        else {
            bail!("database.url must start with sqlite:// or postgres://");
        };
        if path.is_empty() || path.contains(":memory:") {
            bail!(
                "database.url must name a SQLite file (an in-memory database cannot be shared by a pool)"
            );
        }
        if let Some(dir) = Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let synchronous = match settings.sqlite_synchronous.to_ascii_lowercase().as_str() {
            "normal" => "NORMAL",
            "full" => "FULL",
            "extra" => "EXTRA",
            other => {
                bail!("database.sqlite_synchronous must be normal, full or extra, not {other:?}")
            }
        };
        let pragmas = SqlitePragmas {
            synchronous,
            busy_timeout_ms: settings.sqlite_busy_timeout.as_millis(),
        };
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
        let pool = Pool::builder()
            .max_size(settings.pool_size.max(2))
            .min_idle(Some(MIN_IDLE))
            .connection_timeout(settings.connect_timeout)
            .connection_customizer(Box::new(pragmas))
            .build(ConnectionManager::<SqliteConnection>::new(path))
            .with_context(|| format!("opening SQLite database {path}"))?;
        let checkpointer = Some(spawn_checkpointer(pool.clone(), restart)?);
        Ok(Self {
            pool: DbPool::Sqlite { pool, writer },
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
