//! `eckwms backup`: an online copy of the instance's SQLite database (the kit's
//! `copy_sqlite`), checked to be a database of this binary's schema. PostgreSQL is refused: its
//! backups are `pg_dump`'s work (docs/deploy/README.md, "Backups").

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::bail;
use diesel::SqliteConnection;
use diesel::migration::MigrationSource;
use diesel::sqlite::Sqlite;
use diesel_migrations::MigrationHarness;
use eckwms_db_kit::backup::copy_sqlite;
use eckwms_db_kit::pool::Backend;

use crate::pool::{DbSettings, SQLITE_MIGRATIONS};

/// A finished backup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backup {
    pub bytes: u64,
    /// Migrations of this binary the copy has not had (the service that wrote it is older); a
    /// service of this binary started on the copy applies them.
    pub pending_migrations: usize,
}

/// Copies the database of `settings.url` to the new file `out`: consistent as of one moment
/// while the service writes; never overwrites a file.
pub fn backup(settings: &DbSettings, out: &Path) -> anyhow::Result<Backup> {
    let path = match Backend::of(&settings.url)? {
        Backend::Sqlite(path) => path,
        Backend::Postgres(_) => bail!(
            "the database is PostgreSQL: back it up with pg_dump (pg_dump -Fc), restore with \
             pg_restore into a new database, and run `eckwms verify` against that \
             (docs/deploy/README.md, \"Backups\")"
        ),
    };
    let mut pending_migrations = 0;
    let copy = copy_sqlite(path, out, settings.sqlite_busy_timeout, |conn| {
        pending_migrations = check_schema(conn)?;
        Ok(())
    })?;
    Ok(Backup {
        bytes: copy.bytes,
        pending_migrations,
    })
}

/// The number of this binary's migrations the copy lacks; an error when the copy has ones this
/// binary does not know (a newer service wrote it) or none at all (not an instance database).
fn check_schema(conn: &mut SqliteConnection) -> anyhow::Result<usize> {
    let known: BTreeSet<String> = MigrationSource::<Sqlite>::migrations(&SQLITE_MIGRATIONS)
        .map_err(|e| anyhow::anyhow!("reading the embedded migrations: {e}"))?
        .iter()
        .map(|m| m.name().version().to_string())
        .collect();
    let applied: BTreeSet<String> = conn
        .applied_migrations()
        .map_err(|e| anyhow::anyhow!("reading the copy's migrations: {e}"))?
        .iter()
        .map(ToString::to_string)
        .collect();
    if applied.is_empty() {
        bail!("the database has no migrations applied: not an ECKWMS instance database");
    }
    if let Some(unknown) = applied.difference(&known).next() {
        bail!("the database has migration {unknown}, unknown to this eckwms: use the newer binary");
    }
    Ok(known.difference(&applied).count())
}
