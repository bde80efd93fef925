//! Opening a database the same way in both services: the backend named by the URL, the SQLite
//! file's directory, the settings every SQLite connection gets, and the r2d2 pools of both
//! backends. What a service decides for itself (its PostgreSQL session, further SQLite pragmas,
//! its migrations) comes in as a parameter.

use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use diesel::connection::SimpleConnection;
use diesel::r2d2::event::{CheckoutEvent, TimeoutEvent};
use diesel::r2d2::{
    ConnectionManager, CustomizeConnection, HandleEvent, Pool, PooledConnection, R2D2Connection,
};
use diesel::{PgConnection, SqliteConnection};

use crate::redact_url;

pub type SqlitePool = Pool<ConnectionManager<SqliteConnection>>;
pub type PgPool = Pool<ConnectionManager<PgConnection>>;

/// A connection of `pool`, waited for up to the pool's `connection_timeout`.
/// How to reach a database: what each service's `[database]` configuration section becomes
/// (the defaults are in its configuration file).
#[derive(Clone, Debug)]
pub struct DbSettings {
    /// `sqlite://path/to/file.db` (or `sqlite:path`) or `postgres://user:pass@host/db`.
    pub url: String,
    pub pool_size: u32,
    pub connect_timeout: Duration,
    /// SQLite `synchronous` pragma: `normal` (WAL-safe, fast), `full` (fsync every commit) or
    /// `extra`.
    pub sqlite_synchronous: String,
    pub sqlite_busy_timeout: Duration,
    /// PostgreSQL: open all `pool_size` connections before `connect` returns and keep them for
    /// the life of the pool (a server); commands open one on demand. Opening libpq connections
    /// on r2d2's threads while the process exits is what crashed the commands once
    /// (docs/DATABASE.md).
    pub open_all_at_start: bool,
}

impl DbSettings {
    /// `url` with the defaults of the configuration files: 16 connections, 5 s to get one,
    /// `synchronous = normal`, a busy timeout of 5 s, connections opened on demand.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            pool_size: 16,
            connect_timeout: Duration::from_secs(5),
            sqlite_synchronous: "normal".into(),
            sqlite_busy_timeout: Duration::from_secs(5),
            open_all_at_start: false,
        }
    }
}

pub fn checkout<C>(
    pool: &Pool<ConnectionManager<C>>,
) -> Result<PooledConnection<ConnectionManager<C>>, NoConnection>
where
    C: R2D2Connection + 'static,
{
    pool.get().map_err(NoConnection)
}

/// No connection of the pool came free, nor could one be opened, in time ([`checkout`]). The
/// adapters report it as the database being unavailable.
#[derive(Debug)]
pub struct NoConnection(diesel::r2d2::PoolError);

impl fmt::Display for NoConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no database connection: {}", self.0)
    }
}

/// No `source`: the pool's error is part of the message already, which is then logged once.
impl std::error::Error for NoConnection {}

/// The pool size of `database.pool_size = 0` (the default): four connections per CPU this
/// process may use, at least 4 and at most 16.
///
/// Every connection in use is a blocking thread of the service and, on PostgreSQL, a server
/// process; when they outnumber the cores (PostgreSQL on the same small machine), the HTTP
/// workers wait for a core behind them and every request queues before it is even read. On 2
/// cores with PostgreSQL beside the service, 16 connections (the fixed default before) gave
/// order reads a slowest request of 0.5 to 0.7 s and a hot set of 8 objects a p99 of 84 to
/// 96 ms, where 8 connections gave 0.15 s and 42 ms for 12 % less read and 15 % less move
/// throughput, and 4 connections cost a third of the moves (docs/BENCHMARKS.md, `--pg-pools`).
/// At 16 it stops: several processes may share one PostgreSQL server, whose
/// `max_connections` (100 by default) they must stay under together.
pub fn auto_pool_size(cpus: usize) -> u32 {
    u32::try_from(cpus.saturating_mul(4))
        .unwrap_or(u32::MAX)
        .clamp(4, 16)
}

/// `database.pool_size` as configured, or [`auto_pool_size`] of this process's CPUs when 0.
pub fn pool_size(configured: u32) -> u32 {
    if configured > 0 {
        return configured;
    }
    auto_pool_size(std::thread::available_parallelism().map_or(1, usize::from))
}

/// The backend a database URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend<'a> {
    /// `postgres://...` or `postgresql://...`: the whole URL, handed to libpq as it is.
    Postgres(&'a str),
    /// `sqlite://path` or `sqlite:path`: the path of the file.
    Sqlite(&'a str),
}

impl<'a> Backend<'a> {
    /// The backend of `url` (surrounding white space ignored). Any other scheme is refused, and
    /// so is SQLite in memory: every connection of a pool would get a database of its own.
    pub fn of(url: &'a str) -> anyhow::Result<Self> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url));
        }
        let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        else {
            bail!("database.url must start with sqlite:// or postgres://");
        };
        if path.is_empty() || path.contains(":memory:") {
            bail!(
                "database.url must name a SQLite file (a pool cannot share an in-memory database)"
            );
        }
        Ok(Self::Sqlite(path))
    }
}

/// Creates the missing directories above a SQLite file, so that SQLite can create the file.
pub fn create_parent_dirs(path: &str) -> anyhow::Result<()> {
    if let Some(dir) = Path::new(path)
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    Ok(())
}

/// SQLite's `synchronous` level (`database.sqlite_synchronous`): how often commits are flushed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Synchronous {
    /// In WAL mode, flushed at checkpoints: a power cut can lose the last commits.
    Normal,
    /// The WAL flushed at every commit.
    Full,
    /// As `Full`, and the directory flushed too where SQLite deletes a journal.
    Extra,
}

impl Synchronous {
    fn pragma_value(self) -> &'static str {
        match self {
            Self::Normal => "NORMAL",
            Self::Full => "FULL",
            Self::Extra => "EXTRA",
        }
    }
}

impl FromStr for Synchronous {
    type Err = anyhow::Error;

    /// `normal`, `full` or `extra`, in any case.
    fn from_str(value: &str) -> anyhow::Result<Self> {
        match value.to_ascii_lowercase().as_str() {
            "normal" => Ok(Self::Normal),
            "full" => Ok(Self::Full),
            "extra" => Ok(Self::Extra),
            _ => bail!("database.sqlite_synchronous must be normal, full or extra, not {value:?}"),
        }
    }
}

/// What every SQLite connection is set to when it opens: WAL; a bounded wait for another
/// connection's write lock (a writer takes it at `BEGIN IMMEDIATE`, so concurrent writers queue
/// instead of failing mid-transaction); enforced foreign keys; the chosen durability; temporary
/// tables in memory. Then the service's own pragmas, if any ([`SqlitePragmas::then`]).
#[derive(Clone, Debug)]
pub struct SqlitePragmas {
    synchronous: Synchronous,
    busy_timeout: Duration,
    more: &'static str,
}

impl SqlitePragmas {
    pub fn new(synchronous: Synchronous, busy_timeout: Duration) -> Self {
        Self {
            synchronous,
            busy_timeout,
            more: "",
        }
    }

    /// Further statements (`PRAGMA ...;`) run on every connection after the shared ones.
    #[must_use]
    pub fn then(mut self, pragmas: &'static str) -> Self {
        self.more = pragmas;
        self
    }

    /// Sets a connection opened outside a pool (e.g. a dedicated writer's) like a pool's.
    pub fn apply(&self, conn: &mut SqliteConnection) -> diesel::QueryResult<()> {
        conn.batch_execute(&format!(
            "PRAGMA busy_timeout = {};
             PRAGMA journal_mode = WAL;
             PRAGMA synchronous = {};
             PRAGMA foreign_keys = ON;
             PRAGMA temp_store = MEMORY;
             {}",
            self.busy_timeout.as_millis(),
            self.synchronous.pragma_value(),
            self.more
        ))
    }
}

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        self.apply(conn).map_err(diesel::r2d2::Error::QueryError)
    }
}

/// A pool of SQLite connections to the file at `path` (created if missing; its directory must
/// exist, see [`create_parent_dirs`]), each set by `pragmas`. At least two connections, so that
/// a reader never waits for the connection another holds across a write; none opened ahead of
/// demand.
pub fn sqlite_pool(
    path: &str,
    pool_size: u32,
    connect_timeout: Duration,
    pragmas: SqlitePragmas,
) -> anyhow::Result<SqlitePool> {
    Pool::builder()
        .max_size(pool_size.max(2))
        .min_idle(Some(0))
        .connection_timeout(connect_timeout)
        .connection_customizer(Box::new(pragmas))
        .event_handler(Box::new(CheckoutWaits))
        .build(ConnectionManager::<SqliteConnection>::new(path))
        .with_context(|| format!("opening SQLite database {path}"))
}

/// Statements (`SET ...;`) run on every new PostgreSQL connection: one service's session.
#[derive(Debug)]
struct PgSession(&'static str);

impl CustomizeConnection<PgConnection, diesel::r2d2::Error> for PgSession {
    fn on_acquire(&self, conn: &mut PgConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(self.0)
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// A pool of at least one PostgreSQL connection to `url`, each starting with `session`.
///
/// r2d2 opens connections on its own threads, and libpq (with OpenSSL and Kerberos over TCP)
/// crashes the process when one is being opened while the process exits: a server stopped right
/// after a burst of requests that grew its pool died of SIGSEGV or SIGABRT in 7 of 400 stops,
/// and a CLI command in about 3 % of runs (none since). So no connection is opened ahead of
/// demand, and with `open_all_at_start` (the server) every connection is opened before this
/// returns and kept, so that none is opened later unless one broke. Commands open on demand
/// (one connection, waited for).
pub fn postgres_pool(
    url: &str,
    pool_size: u32,
    connect_timeout: Duration,
    open_all_at_start: bool,
    session: &'static str,
) -> anyhow::Result<PgPool> {
    let size = pool_size.max(1);
    let mut builder = Pool::builder().max_size(size).min_idle(Some(0));
    if open_all_at_start {
        builder = builder
            .min_idle(Some(size))
            .idle_timeout(None)
            .max_lifetime(None);
    }
    builder
        .connection_timeout(connect_timeout)
        .test_on_check_out(false)
        .connection_customizer(Box::new(PgSession(session)))
        .event_handler(Box::new(CheckoutWaits))
        .build(ConnectionManager::<PgConnection>::new(url))
        .with_context(|| format!("connecting to {}", redact_url(url)))
}

/// Seconds a caller waited for a pooled connection (a histogram; 0 for most checkouts).
pub const CHECKOUT_WAIT: &str = "eckwms_db_pool_checkout_wait_seconds";
/// Checkouts that gave up after `connect_timeout` (answered 503).
pub const CHECKOUT_TIMEOUTS: &str = "eckwms_db_pool_checkout_timeouts_total";
/// Connections of the pool, by `state`: `in_use` or `idle`.
pub const POOL_CONNECTIONS: &str = "eckwms_db_pool_connections";
/// The most connections the pool opens.
pub const POOL_MAX: &str = "eckwms_db_pool_max_connections";

/// Records every checkout's wait and every timeout (through the `metrics` facade: nothing is
/// kept when the service records no metrics).
#[derive(Debug)]
struct CheckoutWaits;

impl HandleEvent for CheckoutWaits {
    fn handle_checkout(&self, event: CheckoutEvent) {
        metrics::histogram!(CHECKOUT_WAIT).record(event.duration().as_secs_f64());
    }

    fn handle_timeout(&self, _event: TimeoutEvent) {
        metrics::counter!(CHECKOUT_TIMEOUTS).increment(1);
    }
}

/// Sets the pool gauges from `pool`'s state now (read when metrics are scraped).
pub fn record_pool_state<C>(pool: &Pool<ConnectionManager<C>>)
where
    C: R2D2Connection + 'static,
{
    let state = pool.state();
    let idle = state.idle_connections;
    let in_use = state.connections.saturating_sub(idle);
    metrics::gauge!(POOL_CONNECTIONS, "state" => "in_use").set(f64::from(in_use));
    metrics::gauge!(POOL_CONNECTIONS, "state" => "idle").set(f64::from(idle));
    metrics::gauge!(POOL_MAX).set(f64::from(pool.max_size()));
}

/// Describes the pool's metrics for the scrape output (once, when metrics are on).
pub fn describe_pool_metrics() {
    metrics::describe_histogram!(
        CHECKOUT_WAIT,
        metrics::Unit::Seconds,
        "time a caller waited for a pooled database connection"
    );
    metrics::describe_counter!(
        CHECKOUT_TIMEOUTS,
        "waits for a pooled database connection that timed out"
    );
    metrics::describe_gauge!(
        POOL_CONNECTIONS,
        "connections of the database pool, by state (in_use, idle)"
    );
    metrics::describe_gauge!(POOL_MAX, "the most connections the database pool opens");
}

/// How long [`close_when_released`] waits for the server's worker threads to drop their copies
/// of the database.
pub const RELEASE_WAIT: Duration = Duration::from_secs(10);

/// Closes the database once this is the last copy of it, on this thread, before the process
/// exits; false when other copies were still held after [`RELEASE_WAIT`] (then it is left
/// open). The HTTP server's worker threads drop their copies (inside the services of their
/// `App`) a moment after the server has stopped, and whichever drops the last one closes the
/// pool's connections. On a worker thread that could overlap the process's exit, when libpq
/// and OpenSSL run their cleanup handlers; closing here keeps the connections' end before it.
pub fn close_when_released<T>(mut db: Arc<T>) -> bool {
    let deadline = Instant::now() + RELEASE_WAIT;
    loop {
        match Arc::try_unwrap(db) {
            Ok(database) => {
                drop(database);
                return true;
            }
            Err(shared) if Instant::now() < deadline => {
                db = shared;
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(_) => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use diesel::RunQueryDsl;

    use super::*;

    #[test]
    fn the_automatic_pool_has_four_connections_per_cpu_from_4_to_16() {
        assert_eq!(auto_pool_size(1), 4);
        assert_eq!(auto_pool_size(2), 8);
        assert_eq!(auto_pool_size(3), 12);
        assert_eq!(auto_pool_size(4), 16);
        assert_eq!(auto_pool_size(64), 16);
        assert_eq!(auto_pool_size(usize::MAX), 16);
        assert_eq!(pool_size(5), 5);
        assert!((4..=16).contains(&pool_size(0)));
    }

    #[test]
    fn the_backend_comes_from_the_url() {
        assert_eq!(
            Backend::of(" postgres://u:p@h/db ").unwrap(),
            Backend::Postgres("postgres://u:p@h/db")
        );
        assert_eq!(
            Backend::of("postgresql:///db?host=/run/postgresql").unwrap(),
            Backend::Postgres("postgresql:///db?host=/run/postgresql")
        );
        assert_eq!(
            Backend::of("sqlite://data/eckwms.db").unwrap(),
            Backend::Sqlite("data/eckwms.db")
        );
        assert_eq!(
            Backend::of("sqlite:/var/lib/eckwms.db").unwrap(),
            Backend::Sqlite("/var/lib/eckwms.db")
        );
    }

    #[test]
    fn other_schemes_and_sqlite_in_memory_are_refused() {
        for url in ["mysql://h/db", "data/eckwms.db", ""] {
            let e = Backend::of(url).unwrap_err().to_string();
            assert!(
                e.contains("must start with sqlite:// or postgres://"),
                "{url}: {e}"
            );
        }
        for url in ["sqlite://", "sqlite::memory:", "sqlite://:memory:"] {
            let e = Backend::of(url).unwrap_err().to_string();
            assert!(e.contains("in-memory"), "{url}: {e}");
        }
    }

    #[test]
    fn synchronous_levels_are_read_in_any_case() {
        assert_eq!(
            "normal".parse::<Synchronous>().unwrap(),
            Synchronous::Normal
        );
        assert_eq!("FULL".parse::<Synchronous>().unwrap(), Synchronous::Full);
        assert_eq!("Extra".parse::<Synchronous>().unwrap(), Synchronous::Extra);
        let e = "off".parse::<Synchronous>().unwrap_err().to_string();
        assert_eq!(
            e,
            "database.sqlite_synchronous must be normal, full or extra, not \"off\""
        );
    }

    #[derive(diesel::QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::Text)]
        value: String,
    }

    /// The value of a PRAGMA, read from the column that reports it.
    fn setting(conn: &mut SqliteConnection, pragma: &str, column: &str) -> String {
        diesel::sql_query(format!(
            "SELECT CAST({column} AS TEXT) AS value FROM pragma_{pragma}"
        ))
        .get_result::<Setting>(conn)
        .unwrap()
        .value
    }

    #[test]
    fn pool_connections_get_the_pragmas_and_the_directory_is_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/test.db");
        let path = path.to_str().unwrap();
        create_parent_dirs(path).unwrap();
        let pragmas = SqlitePragmas::new(Synchronous::Full, Duration::from_millis(1234))
            .then("PRAGMA cache_size = -1000;");
        let pool = sqlite_pool(path, 1, Duration::from_secs(5), pragmas).unwrap();
        assert_eq!(pool.max_size(), 2);
        let mut conn = pool.get().unwrap();
        assert_eq!(setting(&mut conn, "journal_mode", "journal_mode"), "wal");
        assert_eq!(setting(&mut conn, "busy_timeout", "timeout"), "1234");
        assert_eq!(setting(&mut conn, "synchronous", "synchronous"), "2");
        assert_eq!(setting(&mut conn, "foreign_keys", "foreign_keys"), "1");
        assert_eq!(setting(&mut conn, "temp_store", "temp_store"), "2");
        assert_eq!(setting(&mut conn, "cache_size", "cache_size"), "-1000");
    }

    #[test]
    fn close_when_released_closes_the_last_copy_and_waits_for_the_others() {
        let db = Arc::new(String::from("database"));
        let worker = db.clone();
        let dropper = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            drop(worker);
        });
        assert!(close_when_released(db));
        dropper.join().unwrap();
    }
}
