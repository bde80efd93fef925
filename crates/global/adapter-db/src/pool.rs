//! Connection pools for both backends, chosen from the database URL, and the embedded
//! migrations.

use diesel::connection::SimpleConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use eckwms_db_kit::pool::{
    Backend, PgPool, SqlitePool, SqlitePragmas, checkout, create_parent_dirs, postgres_pool,
    sqlite_pool,
};

use crate::error::DbError;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations =
    embed_migrations!("../../../migrations/global/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations =
    embed_migrations!("../../../migrations/global/postgres");

/// The advisory lock that keeps two processes from migrating one PostgreSQL database at once
/// (the instance service uses 7201).
const MIGRATION_LOCK: i64 = 7301;

pub use eckwms_db_kit::pool::DbSettings;

pub use eckwms_db_kit::redact_url;

pub(crate) enum Pools {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

/// Bounded waits on PostgreSQL: no lock waited for, nor statement run, forever.
const PG_SESSION: &str =
    "SET lock_timeout = '10s'; SET statement_timeout = '30s'; SET TIME ZONE 'UTC';";

/// The global database: a pool of one backend. Implements every repository port.
pub struct Database {
    pub(crate) pools: Pools,
}

impl Database {
    /// Opens a pool for the URL's backend. SQLite files (and their directory) are created;
    /// every SQLite connection gets the shared settings (`eckwms_db_kit::pool::SqlitePragmas`).
    pub fn connect(settings: &DbSettings) -> anyhow::Result<Self> {
        let pools = match Backend::of(&settings.url)? {
            Backend::Postgres(url) => Pools::Pg(postgres_pool(
                url,
                settings.pool_size,
                settings.connect_timeout,
                settings.open_all_at_start,
                PG_SESSION,
            )?),
            Backend::Sqlite(path) => {
                create_parent_dirs(path)?;
                let pragmas = SqlitePragmas::new(
                    settings.sqlite_synchronous.parse()?,
                    settings.sqlite_busy_timeout,
                );
                Pools::Sqlite(sqlite_pool(
                    path,
                    settings.pool_size,
                    settings.connect_timeout,
                    pragmas,
                )?)
            }
        };
        Ok(Self { pools })
    }

    /// How many calls can use the database at once: one per pooled connection. Callers that
    /// admit more only add threads blocked in the pool.
    pub fn concurrent_calls(&self) -> usize {
        match &self.pools {
            Pools::Sqlite(pool) => pool.max_size() as usize,
            Pools::Pg(pool) => pool.max_size() as usize,
        }
    }

    /// Sets the pool's gauges (connections in use and idle) from its state now; read when
    /// metrics are scraped.
    pub fn record_pool_metrics(&self) {
        match &self.pools {
            Pools::Sqlite(pool) => eckwms_db_kit::pool::record_pool_state(pool),
            Pools::Pg(pool) => eckwms_db_kit::pool::record_pool_state(pool),
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self.pools {
            Pools::Sqlite(_) => "sqlite",
            Pools::Pg(_) => "postgres",
        }
    }

    /// Applies pending migrations; returns the versions applied.
    pub fn run_migrations(&self) -> anyhow::Result<Vec<String>> {
        let names = |v: Vec<diesel::migration::MigrationVersion<'_>>| {
            v.iter().map(ToString::to_string).collect::<Vec<_>>()
        };
        match &self.pools {
            Pools::Sqlite(pool) => {
                let mut conn = checkout(pool).map_err(DbError::from)?;
                // One writer at a time: a second process waits for the first one's migration.
                let applied = conn
                    .run_pending_migrations(SQLITE_MIGRATIONS)
                    .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
                Ok(names(applied))
            }
            Pools::Pg(pool) => {
                let mut conn = checkout(pool).map_err(DbError::from)?;
                conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
                let result = conn
                    .run_pending_migrations(POSTGRES_MIGRATIONS)
                    .map(names)
                    .map_err(|e| anyhow::anyhow!("migration failed: {e}"));
                conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))?;
                result
            }
        }
    }

    /// Reverts every applied migration (tests of down.sql).
    pub fn revert_all_migrations(&self) -> anyhow::Result<usize> {
        let map =
            |e: Box<dyn std::error::Error + Send + Sync>| anyhow::anyhow!("revert failed: {e}");
        match &self.pools {
            Pools::Sqlite(pool) => Ok(checkout(pool)
                .map_err(DbError::from)?
                .revert_all_migrations(SQLITE_MIGRATIONS)
                .map_err(map)?
                .len()),
            Pools::Pg(pool) => Ok(checkout(pool)
                .map_err(DbError::from)?
                .revert_all_migrations(POSTGRES_MIGRATIONS)
                .map_err(map)?
                .len()),
        }
    }

    /// How many migrations are not applied yet.
    pub(crate) fn pending_migrations(&self) -> Result<usize, DbError> {
        let map = |e: Box<dyn std::error::Error + Send + Sync>| {
            DbError::Unavailable(anyhow::anyhow!("{e}"))
        };
        match &self.pools {
            Pools::Sqlite(pool) => Ok(checkout(pool)?
                .pending_migrations(SQLITE_MIGRATIONS)
                .map_err(map)?
                .len()),
            Pools::Pg(pool) => Ok(checkout(pool)?
                .pending_migrations(POSTGRES_MIGRATIONS)
                .map_err(map)?
                .len()),
        }
    }
}
