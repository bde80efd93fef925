//! SQLite's one writer: a thread that owns the write connection and commits in groups.
//!
//! SQLite lets one transaction write at a time. Instead of every request thread taking a lock
//! on a shared connection in turn (one lock hand-over, one `BEGIN IMMEDIATE` and one `COMMIT`
//! per write), the writes are queued to this thread. It takes whatever is queued, up to
//! [`MAX_GROUP`] writes, and runs them in one transaction, each inside its own savepoint: a
//! write that fails is rolled back to its savepoint and reports its own error, the others go on.
//! One `COMMIT` then makes the whole group durable, and only after it does every writer get its
//! answer. The outcome is the same as running the writes one after the other in queue order;
//! what is saved is a commit (and its WAL write) per write and the hand-over of a lock.
//!
//! Work sent here must own what it uses (`'static`): [`Carry`] turns the borrowed arguments of a
//! query function into owned values and back.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::anyhow;
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::{Connection, SqliteConnection};
use parking_lot::Mutex;

use crate::error::DbError;
use crate::tx::WRITE_ATTEMPTS;

/// Most writes committed together; a bound on how long the first of a group waits.
pub(crate) const MAX_GROUP: usize = 64;

/// A group taking longer than this is logged (a warning: writers waited that long).
const SLOW_GROUP: Duration = Duration::from_millis(50);

/// Opens (or reopens) the write connection, configured.
pub(crate) type Open = Box<dyn Fn() -> anyhow::Result<SqliteConnection> + Send>;

/// Handle to the writer thread; dropping it lets the thread finish what is queued and stop.
pub(crate) struct SqliteWriter {
    jobs: Mutex<Option<Sender<Box<dyn Job>>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl SqliteWriter {
    /// Starts the thread. When `checkpoint` is set (by the checkpoint thread), the writer runs
    /// one passive checkpoint between two groups and clears it.
    pub(crate) fn start(checkpoint: Arc<AtomicBool>, open: Open) -> anyhow::Result<Self> {
        let conn = open()?;
        let (jobs, queue) = channel::<Box<dyn Job>>();
        let thread = std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || serve(conn, &open, &queue, &checkpoint))?;
        Ok(Self {
            jobs: Mutex::new(Some(jobs)),
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Runs `work` inside a write transaction (shared with other queued writes, see the module
    /// documentation) and returns its result once that transaction committed.
    pub(crate) fn write<T, F>(&self, work: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut SqliteConnection) -> Result<T, DbError> + Send + 'static,
    {
        self.submit(true, work)
    }

    /// Runs `work` on the write connection alone, outside any transaction of the writer (for
    /// migrations, which manage their own transactions).
    pub(crate) fn exclusive<T, F>(&self, work: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut SqliteConnection) -> Result<T, DbError> + Send + 'static,
    {
        self.submit(false, work)
    }

    fn submit<T, F>(&self, grouped: bool, work: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut SqliteConnection) -> Result<T, DbError> + Send + 'static,
    {
        let (reply, answer) = sync_channel(1);
        let job = Box::new(Pending {
            grouped,
            work: Some(work),
            result: None,
            reply,
        });
        let sent = match &*self.jobs.lock() {
            Some(jobs) => jobs.send(job).is_ok(),
            None => false,
        };
        if !sent {
            return Err(stopped());
        }
        answer.recv().map_err(|_| stopped())?
    }
}

impl Drop for SqliteWriter {
    fn drop(&mut self) {
        // Closing the queue ends the thread once it has answered everything queued.
        self.jobs.lock().take();
        if let Some(thread) = self.thread.lock().take() {
            let _ = thread.join();
        }
    }
}

fn stopped() -> DbError {
    DbError::Unavailable(anyhow!("the SQLite writer has stopped"))
}

/// One queued write, type-erased for the queue.
trait Job: Send {
    /// Whether it may share a transaction with others.
    fn grouped(&self) -> bool;
    /// Runs the work; `false` when it failed (its savepoint is then rolled back).
    fn run(&mut self, conn: &mut SqliteConnection) -> bool;
    /// Answers the writer: its own result if it ran and the group committed; otherwise why not.
    fn answer(self: Box<Self>, group: Result<(), &str>);
}

struct Pending<T, F> {
    grouped: bool,
    work: Option<F>,
    result: Option<Result<T, DbError>>,
    reply: SyncSender<Result<T, DbError>>,
}

impl<T, F> Job for Pending<T, F>
where
    T: Send,
    F: FnOnce(&mut SqliteConnection) -> Result<T, DbError> + Send,
{
    fn grouped(&self) -> bool {
        self.grouped
    }

    fn run(&mut self, conn: &mut SqliteConnection) -> bool {
        let Some(work) = self.work.take() else {
            return false;
        };
        // A panic must not take the writer thread (and every later write) with it.
        let result =
            std::panic::catch_unwind(AssertUnwindSafe(|| work(conn))).unwrap_or_else(|_| {
                Err(DbError::Unavailable(anyhow!(
                    "a write panicked; it was rolled back"
                )))
            });
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn answer(self: Box<Self>, group: Result<(), &str>) {
        let result = match (self.result, group) {
            // Its own failure stands whatever happened to the group: it was rolled back.
            (Some(Err(e)), _) => Err(e),
            (Some(Ok(value)), Ok(())) => Ok(value),
            (_, Err(why)) => Err(DbError::Unavailable(anyhow!(
                "the write was not committed: {why}"
            ))),
            (None, Ok(())) => Err(DbError::Unavailable(anyhow!("the write did not run"))),
        };
        // The writer may have given up waiting (its thread ended): nothing to do then.
        let _ = self.reply.send(result);
    }
}

/// How one job inside a group ended, as the error type of its savepoint.
enum Step {
    /// The job failed; its savepoint was rolled back.
    Failed,
    /// The database failed the savepoint itself: the whole group is lost.
    Database(diesel::result::Error),
}

impl From<diesel::result::Error> for Step {
    fn from(e: diesel::result::Error) -> Self {
        Step::Database(e)
    }
}

fn serve(
    mut conn: SqliteConnection,
    open: &Open,
    queue: &Receiver<Box<dyn Job>>,
    checkpoint: &AtomicBool,
) {
    while let Ok(first) = queue.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        // Queue order is kept: grouped writes run together up to an exclusive one.
        let mut batch: Vec<Box<dyn Job>> = Vec::with_capacity(group.len());
        for job in group {
            if job.grouped() {
                batch.push(job);
                continue;
            }
            commit_group(&mut conn, open, std::mem::take(&mut batch));
            let mut job = job;
            job.run(&mut conn);
            job.answer(Ok(()));
        }
        commit_group(&mut conn, open, batch);
        if checkpoint.swap(false, Ordering::Relaxed) {
            // The checkpoint thread has just copied nearly all of the WAL: this copies the
            // rest, so that the next transaction starts the WAL over from its beginning.
            let start = Instant::now();
            if let Err(e) = conn.batch_execute("PRAGMA wal_checkpoint(PASSIVE);") {
                tracing::warn!(error = %e, "SQLite checkpoint in the writer failed");
            }
            tracing::debug!(
                ms = start.elapsed().as_secs_f64() * 1e3,
                "SQLite checkpoint in the writer"
            );
        }
    }
}

/// Runs the jobs in one transaction, one savepoint each, commits, and answers them all.
fn commit_group(conn: &mut SqliteConnection, open: &Open, mut jobs: Vec<Box<dyn Job>>) {
    if jobs.is_empty() {
        return;
    }
    let mut attempt = 0;
    let start = Instant::now();
    let (mut begun, mut worked) = (start, start);
    let outcome = loop {
        let mut started = false;
        let result = conn.immediate_transaction::<_, diesel::result::Error, _>(|c| {
            started = true;
            begun = Instant::now();
            for job in &mut jobs {
                match c.transaction::<_, Step, _>(|c| {
                    if job.run(c) {
                        Ok(())
                    } else {
                        Err(Step::Failed)
                    }
                }) {
                    Ok(()) | Err(Step::Failed) => {}
                    Err(Step::Database(e)) => return Err(e),
                }
            }
            worked = Instant::now();
            Ok(())
        });
        match result {
            // BEGIN IMMEDIATE found another process writing (beyond busy_timeout): nothing ran
            // yet, so the whole group can wait and try again.
            Err(e) if !started && crate::error::retryable(&e) && attempt + 1 < WRITE_ATTEMPTS => {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(1 << attempt.min(6)));
            }
            other => break other,
        }
    };
    let done = Instant::now();
    if done - start >= SLOW_GROUP {
        tracing::warn!(
            writes = jobs.len(),
            begin_ms = (begun - start).as_secs_f64() * 1e3,
            work_ms = (worked.max(begun) - begun).as_secs_f64() * 1e3,
            commit_ms = (done - worked.max(begun)).as_secs_f64() * 1e3,
            "slow SQLite write group"
        );
    }
    let failure = outcome.err().map(|e| e.to_string());
    if let Some(why) = &failure {
        tracing::warn!(error = %why, writes = jobs.len(), "SQLite write group rolled back");
        if AnsiTransactionManager::is_broken_transaction_manager(conn) {
            match open() {
                Ok(fresh) => *conn = fresh,
                Err(e) => {
                    tracing::error!(error = %e, "reopening the SQLite write connection failed")
                }
            }
        }
    }
    for job in jobs {
        job.answer(match &failure {
            None => Ok(()),
            Some(why) => Err(why),
        });
    }
}

/// A query-function argument turned into an owned value that can travel to the writer thread.
pub(crate) trait Carry {
    type Carried: Send + 'static;
    fn carry(self) -> Self::Carried;
}

/// A borrowed argument (`&T`), carried as its owned form; `view` lends it again.
pub(crate) struct ByRef<T>(T);

impl<T> ByRef<T> {
    pub(crate) fn view(&self) -> &T {
        &self.0
    }
}

/// An argument passed by value (a `Copy` type); `view` copies it.
pub(crate) struct ByVal<T>(T);

impl<T: Copy> ByVal<T> {
    pub(crate) fn view(&self) -> T {
        self.0
    }
}

impl<T> Carry for &T
where
    T: ?Sized + ToOwned,
    T::Owned: Send + 'static,
{
    type Carried = ByRef<T::Owned>;
    fn carry(self) -> Self::Carried {
        ByRef(self.to_owned())
    }
}

macro_rules! carried_by_value {
    ($($t:ty),* $(,)?) => {
        $(impl Carry for $t {
            type Carried = ByVal<$t>;
            fn carry(self) -> Self::Carried {
                ByVal(self)
            }
        })*
    };
}

carried_by_value!(
    i64,
    usize,
    eckwms_domain::IdKind,
    chrono::DateTime<chrono::Utc>,
    eckwms_application::ports::Expected,
    eckwms_domain::WarehouseId,
    eckwms_domain::RackId,
    eckwms_domain::PlaceId,
    eckwms_domain::BoxId,
    eckwms_domain::ItemId,
    eckwms_domain::OrderId,
    eckwms_domain::UserId,
);

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::RunQueryDsl;
    use diesel::sql_types::{BigInt, Text};
    use std::sync::{Arc, Barrier};

    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        n: i64,
        #[diesel(sql_type = Text)]
        who: String,
    }

    fn writer() -> (SqliteWriter, std::path::PathBuf) {
        let (writer, _, path) = writer_with_flag();
        (writer, path)
    }

    fn writer_with_flag() -> (SqliteWriter, Arc<AtomicBool>, std::path::PathBuf) {
        let path = std::env::temp_dir().join(format!(
            "eckwms-writer-{}-{}.db",
            std::process::id(),
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
        ));
        let file = path.to_string_lossy().into_owned();
        let flag = Arc::new(AtomicBool::new(false));
        let writer = SqliteWriter::start(
            Arc::clone(&flag),
            Box::new(move || {
                let mut conn = SqliteConnection::establish(&file)?;
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;
                 CREATE TABLE IF NOT EXISTS t (n INTEGER PRIMARY KEY, who TEXT NOT NULL);",
                )?;
                Ok(conn)
            }),
        )
        .unwrap();
        (writer, flag, path)
    }

    fn insert(c: &mut SqliteConnection, who: &str) -> Result<i64, DbError> {
        diesel::sql_query("INSERT INTO t (who) VALUES (?)")
            .bind::<Text, _>(who)
            .execute(c)?;
        let rows: Vec<Row> =
            diesel::sql_query("SELECT n, who FROM t ORDER BY n DESC LIMIT 1").load(c)?;
        Ok(rows[0].n)
    }

    #[derive(diesel::QueryableByName)]
    struct Checkpoint {
        #[diesel(sql_type = BigInt)]
        log: i64,
    }

    /// Frames in the WAL file (`TRUNCATE` empties it first when asked).
    fn wal_frames(writer: &SqliteWriter, mode: &'static str) -> i64 {
        writer
            .exclusive(move |c| {
                let rows: Vec<Checkpoint> =
                    diesel::sql_query(format!("PRAGMA wal_checkpoint({mode})")).load(c)?;
                Ok(rows[0].log)
            })
            .unwrap()
    }

    fn rows(writer: &SqliteWriter) -> Vec<(i64, String)> {
        writer
            .write(|c| {
                let rows: Vec<Row> =
                    diesel::sql_query("SELECT n, who FROM t ORDER BY n").load(c)?;
                Ok(rows.into_iter().map(|r| (r.n, r.who)).collect())
            })
            .unwrap()
    }

    /// Holds the writer thread inside a job until the returned barrier is passed, so that
    /// everything sent meanwhile is queued and then committed as one group.
    fn hold(writer: &Arc<SqliteWriter>) -> (Arc<Barrier>, std::thread::JoinHandle<()>) {
        let entered = Arc::new(Barrier::new(2));
        let release = Arc::new(Barrier::new(2));
        let (e, r) = (Arc::clone(&entered), Arc::clone(&release));
        let w = Arc::clone(writer);
        let holder = std::thread::spawn(move || {
            w.write(move |_| {
                e.wait();
                r.wait();
                Ok(())
            })
            .unwrap();
        });
        entered.wait();
        (release, holder)
    }

    #[test]
    fn a_failing_write_rolls_back_alone_and_the_group_commits() {
        let (writer, path) = writer();
        let writer = Arc::new(writer);
        wal_frames(&writer, "TRUNCATE");
        let (release, holder) = hold(&writer);
        let threads: Vec<_> = (0..12)
            .map(|i| {
                let w = Arc::clone(&writer);
                std::thread::spawn(move || {
                    w.write(move |c| {
                        let n = insert(c, &format!("w{i}"))?;
                        if i % 3 == 0 {
                            // Fails after writing: that row must not survive.
                            return Err(DbError::corrupt(format!("refused {i}")));
                        }
                        Ok(n)
                    })
                })
            })
            .collect();
        // Let every writer queue up behind the held job.
        std::thread::sleep(Duration::from_millis(200));
        release.wait();
        holder.join().unwrap();
        let mut committed = Vec::new();
        for (i, t) in threads.into_iter().enumerate() {
            match t.join().unwrap() {
                Ok(n) => committed.push((n, format!("w{i}"))),
                Err(e) => {
                    assert_eq!(i % 3, 0);
                    assert!(e.to_string().contains(&format!("refused {i}")), "{e}");
                }
            }
        }
        assert_eq!(committed.len(), 8);
        // One commit for the group: separate commits would have written a frame each.
        let frames = wal_frames(&writer, "PASSIVE");
        assert!((1..8).contains(&frames), "{frames} WAL frames");
        committed.sort();
        // Exactly the successful writes, with the numbers they saw inside their transaction.
        assert_eq!(rows(&writer), committed);
        drop(writer);
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn writes_apply_in_queue_order_and_a_panic_stops_only_its_own_write() {
        let (writer, path) = writer();
        let writer = Arc::new(writer);
        assert_eq!(writer.write(|c| insert(c, "first")).unwrap(), 1);
        let panicked = writer.write(|c| -> Result<(), DbError> {
            insert(c, "panics")?;
            panic!("boom");
        });
        assert!(matches!(panicked, Err(DbError::Unavailable(_))));
        assert_eq!(writer.write(|c| insert(c, "after")).unwrap(), 2);
        assert_eq!(
            rows(&writer),
            vec![(1, "first".to_owned()), (2, "after".to_owned())]
        );
        drop(writer);
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn asked_to_checkpoint_the_writer_lets_the_wal_start_over() {
        let (writer, flag, path) = writer_with_flag();
        for i in 0..100 {
            writer.write(move |c| insert(c, &format!("r{i}"))).unwrap();
        }
        // One commit per write, none checkpointed (100 frames are below SQLite's automatic
        // checkpoint): the WAL holds them all, and without the request below it still would.
        flag.store(true, Ordering::Relaxed);
        writer.write(|c| insert(c, "asks")).unwrap();
        // The writer checkpoints after answering that group, before it takes the next write;
        // the first write after a complete checkpoint starts the WAL over.
        writer.write(|c| insert(c, "restarts")).unwrap();
        assert!(!flag.load(Ordering::Relaxed), "the writer took the request");
        let frames = wal_frames(&writer, "PASSIVE");
        assert!(frames < 10, "{frames} WAL frames");
        assert_eq!(rows(&writer).len(), 102);
        drop(writer);
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn exclusive_work_runs_outside_any_transaction() {
        let (writer, path) = writer();
        writer.write(|c| insert(c, "grouped")).unwrap();
        // BEGIN succeeds only outside a transaction.
        writer
            .exclusive(|c| {
                c.batch_execute("BEGIN; INSERT INTO t (who) VALUES ('own'); COMMIT;")?;
                Ok(())
            })
            .unwrap();
        assert_eq!(rows(&writer).len(), 2);
        drop(writer);
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn many_threads_writing_at_once_each_get_their_own_committed_write() {
        let (writer, path) = writer();
        let writer = Arc::new(writer);
        let threads: Vec<_> = (0..16)
            .map(|t| {
                let w = Arc::clone(&writer);
                std::thread::spawn(move || {
                    (0..50)
                        .map(|i| w.write(move |c| insert(c, &format!("{t}-{i}"))).unwrap())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut seen: Vec<i64> = threads
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect();
        seen.sort_unstable();
        // Every write saw a number of its own, and all of them were committed.
        assert_eq!(seen, (1..=800).collect::<Vec<_>>());
        assert_eq!(rows(&writer).len(), 800);
        drop(writer);
        let _ = std::fs::remove_file(path);
    }
}
