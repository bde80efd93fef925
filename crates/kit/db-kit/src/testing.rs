//! Throw-away databases for tests (feature `testing`): a fresh SQLite file, or a fresh
//! PostgreSQL database on the server `ECKWMS_TEST_PG_URL` names; removed when dropped. Each
//! adapter's `testing::TestDatabase` wraps one, named after its service, and opens it with the
//! service's settings and migrations.

use crate::with_database;
use std::path::PathBuf;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

/// The variable naming a PostgreSQL server (an admin URL, e.g.
/// `postgres://postgres@127.0.0.1:5432/postgres`) on which tests create their databases.
pub const PG_URL_VAR: &str = "ECKWMS_TEST_PG_URL";

/// A database that exists for one test and is removed when dropped.
pub struct ThrowAwayDatabase {
    url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(PathBuf),
    Pg { admin_url: String, name: String },
}

impl ThrowAwayDatabase {
    /// A new SQLite file `file_name` in a new temporary directory `<dir_prefix><uuid>`.
    pub fn sqlite(dir_prefix: &str, file_name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("{dir_prefix}{}", uuid::Uuid::new_v4().simple()));
        Self {
            url: format!("sqlite://{}", dir.join(file_name).display()),
            cleanup: Cleanup::Dir(dir),
        }
    }

    /// A new, empty PostgreSQL database `<name_prefix><uuid>` on the server of
    /// `ECKWMS_TEST_PG_URL`; `None` when the variable is unset.
    ///
    /// # Panics
    /// When the variable is set but the server cannot be used: a configured PostgreSQL run
    /// must fail loudly, never skip. Also when `name_prefix` is not a lower-case SQL name
    /// (letters, digits, `_`; it is not quoted).
    #[allow(clippy::expect_used)]
    pub fn postgres(name_prefix: &str) -> Option<Self> {
        assert!(
            name_prefix
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "not a database name prefix: {name_prefix:?}"
        );
        let admin_url = std::env::var(PG_URL_VAR).ok().filter(|v| !v.is_empty())?;
        let name = format!("{name_prefix}{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::establish(&admin_url)
            .unwrap_or_else(|e| panic!("{PG_URL_VAR} is set but PostgreSQL is unreachable: {e}"));
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("creating a test database");
        Some(Self {
            url: with_database(&admin_url, &name),
            cleanup: Cleanup::Pg { admin_url, name },
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for ThrowAwayDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Pg { admin_url, name } => {
                if let Ok(mut admin) = PgConnection::establish(admin_url) {
                    let _ = admin
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use diesel::RunQueryDsl;

    use super::*;

    #[test]
    fn a_sqlite_database_is_a_file_in_a_directory_removed_on_drop() {
        let db = ThrowAwayDatabase::sqlite("eckwms-db-kit-test-", "kit.db");
        let path = PathBuf::from(db.url().strip_prefix("sqlite://").unwrap());
        assert_eq!(path.file_name().unwrap(), "kit.db");
        let dir = path.parent().unwrap().to_owned();
        assert!(
            dir.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("eckwms-db-kit-test-")
        );
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&path, b"").unwrap();
        drop(db);
        assert!(!dir.exists());
    }

    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }

    fn databases_named(admin: &mut PgConnection, name: &str) -> i64 {
        diesel::sql_query("SELECT COUNT(*) AS n FROM pg_database WHERE datname = $1")
            .bind::<diesel::sql_types::Text, _>(name)
            .get_result::<Count>(admin)
            .unwrap()
            .n
    }

    #[test]
    fn a_postgres_database_is_created_and_dropped_on_drop() {
        let Some(db) = ThrowAwayDatabase::postgres("eckwms_db_kit_test_") else {
            return;
        };
        let Cleanup::Pg { admin_url, name } = &db.cleanup else {
            panic!("not a PostgreSQL database: {}", db.url());
        };
        let (admin_url, name) = (admin_url.clone(), name.clone());
        assert!(name.starts_with("eckwms_db_kit_test_"));
        assert!(db.url().contains(&format!("/{name}")));
        PgConnection::establish(db.url()).unwrap();
        let mut admin = PgConnection::establish(&admin_url).unwrap();
        assert_eq!(databases_named(&mut admin, &name), 1);
        drop(db);
        assert_eq!(databases_named(&mut admin, &name), 0);
    }

    #[test]
    #[should_panic(expected = "not a database name prefix")]
    fn a_prefix_that_would_need_quoting_is_refused() {
        let _ = ThrowAwayDatabase::postgres("eckwms-test; DROP DATABASE x; --");
    }
}
