//! An online copy of a SQLite database: `VACUUM INTO` from a connection of its own, while the
//! service goes on writing.
//!
//! In WAL mode a reader never blocks the writer, and `VACUUM INTO` reads inside one read
//! transaction: the copy holds exactly the transactions committed when it began, every one of
//! them whole. It is written under a temporary name beside the target, checked
//! (`PRAGMA integrity_check`), flushed to disk, then linked to the target name, which fails if
//! that name exists (so an existing file is never overwritten, even one created meanwhile), and
//! the directory is flushed so that the new name survives a power cut.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use diesel::connection::SimpleConnection;
use diesel::sql_types::Text;
use diesel::{Connection, RunQueryDsl, SqliteConnection};

/// What a finished copy holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqliteCopy {
    /// The file written.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
}

#[derive(diesel::QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

/// Copies the SQLite database at `source` to the new file `out`, consistent as of one moment,
/// while other connections (other processes) write. `busy_timeout`: how long to wait for a
/// lock (a checkpoint that restarts the WAL holds one for a moment). `check` runs on the copy
/// before it gets its name (e.g. that its migrations are known); an error there leaves no file.
pub fn copy_sqlite(
    source: &str,
    out: &Path,
    busy_timeout: Duration,
    check: impl FnOnce(&mut SqliteConnection) -> anyhow::Result<()>,
) -> anyhow::Result<SqliteCopy> {
    if out.exists() {
        bail!(
            "{} exists: a backup never overwrites a file (choose a new name, or remove the old one first)",
            out.display()
        );
    }
    if !Path::new(source).is_file() {
        bail!("{source}: no such SQLite database file");
    }
    let name = out
        .file_name()
        .with_context(|| format!("{}: not a file name", out.display()))?
        .to_string_lossy()
        .into_owned();
    let dir = out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let temporary = dir.join(format!(".{name}.partial-{}", std::process::id()));
    // A leftover of a crashed run of this same process id; nobody else writes that name.
    let _ = std::fs::remove_file(&temporary);
    let copied = write_copy(source, &temporary, busy_timeout, check)
        .and_then(|()| File::open(&temporary)?.sync_all().map_err(Into::into))
        .and_then(|()| {
            std::fs::hard_link(&temporary, out).with_context(|| {
                format!(
                    "naming the copy {} (a backup never overwrites a file)",
                    out.display()
                )
            })
        });
    let _ = std::fs::remove_file(&temporary);
    copied?;
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("flushing the directory {}", dir.display()))?;
    let bytes = std::fs::metadata(out)?.len();
    Ok(SqliteCopy {
        path: out.to_owned(),
        bytes,
    })
}

fn write_copy(
    source: &str,
    temporary: &Path,
    busy_timeout: Duration,
    check: impl FnOnce(&mut SqliteConnection) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let temporary_name = temporary
        .to_str()
        .with_context(|| format!("{}: not a UTF-8 path", temporary.display()))?;
    {
        let mut conn = SqliteConnection::establish(source)
            .with_context(|| format!("opening SQLite database {source}"))?;
        conn.batch_execute(&format!(
            "PRAGMA busy_timeout = {};",
            busy_timeout.as_millis()
        ))?;
        diesel::sql_query("VACUUM INTO ?")
            .bind::<Text, _>(temporary_name)
            .execute(&mut conn)
            .with_context(|| format!("copying {source}"))?;
    }
    let mut copy = SqliteConnection::establish(temporary_name)
        .with_context(|| format!("opening the copy {temporary_name}"))?;
    let lines = diesel::sql_query("SELECT integrity_check AS line FROM pragma_integrity_check")
        .load::<Line>(&mut copy)
        .context("checking the copy")?;
    if lines.len() != 1 || lines[0].line != "ok" {
        let found: Vec<String> = lines.into_iter().take(10).map(|l| l.line).collect();
        bail!("the copy failed its integrity check: {}", found.join("; "));
    }
    check(&mut copy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }

    fn count(conn: &mut SqliteConnection) -> i64 {
        diesel::sql_query("SELECT count(*) AS n FROM t")
            .get_result::<Count>(conn)
            .unwrap()
            .n
    }

    #[test]
    fn a_copy_holds_what_was_committed_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("live.db");
        let source = source.to_str().unwrap();
        let mut live = SqliteConnection::establish(source).unwrap();
        live.batch_execute(
            "PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2);",
        )
        .unwrap();
        // An open write transaction of another connection: not in the copy.
        let mut writer = SqliteConnection::establish(source).unwrap();
        writer
            .batch_execute("BEGIN IMMEDIATE; INSERT INTO t VALUES (3);")
            .unwrap();
        let out = dir.path().join("copy.db");
        let copy = copy_sqlite(source, &out, Duration::from_secs(5), |_| Ok(())).unwrap();
        writer.batch_execute("COMMIT").unwrap();
        assert_eq!(copy.path, out);
        assert!(copy.bytes > 0);
        let mut restored = SqliteConnection::establish(out.to_str().unwrap()).unwrap();
        assert_eq!(count(&mut restored), 2);

        let e = copy_sqlite(source, &out, Duration::from_secs(5), |_| Ok(()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("never overwrites"), "{e}");
        assert_eq!(count(&mut restored), 2);
        // No temporary file is left behind, neither by a success nor by a refused check.
        let refused = dir.path().join("refused.db");
        let e = copy_sqlite(source, &refused, Duration::from_secs(5), |_| bail!("no"))
            .unwrap_err()
            .to_string();
        assert_eq!(e, "no");
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with("live.db"))
            .collect();
        assert_eq!(names, ["copy.db"]);
    }

    #[test]
    fn a_missing_source_is_not_created() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("absent.db");
        let e = copy_sqlite(
            source.to_str().unwrap(),
            &dir.path().join("copy.db"),
            Duration::from_secs(5),
            |_| Ok(()),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("no such SQLite database file"), "{e}");
        assert!(!source.exists());
    }
}
