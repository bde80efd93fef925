//! `on_conn!` from a crate of its own, as the adapters use it: the query functions are this
//! crate's `sqlite` and `pg` modules.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::Text;
use eckwms_db_kit::dispatch::{Dispatch, PoolRef};
use eckwms_db_kit::on_conn;
use eckwms_db_kit::pool::{
    Backend, NoConnection, PgPool, SqlitePool, SqlitePragmas, Synchronous, create_parent_dirs,
    postgres_pool, sqlite_pool,
};
use eckwms_db_kit::testing::ThrowAwayDatabase;

#[derive(Debug)]
#[allow(dead_code)] // read through Debug
enum DbError {
    Diesel(diesel::result::Error),
    Unavailable(String),
}

impl From<diesel::result::Error> for DbError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Diesel(e)
    }
}

impl From<NoConnection> for DbError {
    fn from(e: NoConnection) -> Self {
        Self::Unavailable(e.to_string())
    }
}

/// The ports' error.
#[derive(Debug, PartialEq)]
struct PortError(String);

impl From<DbError> for PortError {
    fn from(e: DbError) -> Self {
        Self(format!("{e:?}"))
    }
}

enum Pools {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

struct Database {
    pools: Pools,
}

impl Dispatch for Database {
    type Error = DbError;
    type PortError = PortError;

    fn pool_ref(&self) -> PoolRef<'_> {
        match &self.pools {
            Pools::Sqlite(pool) => PoolRef::Sqlite(pool),
            Pools::Pg(pool) => PoolRef::Pg(pool),
        }
    }
}

#[derive(QueryableByName)]
struct Greeting {
    #[diesel(sql_type = Text)]
    text: String,
}

/// The same queries for both backends, standing in for a file of `src/sql/` mounted twice.
macro_rules! queries {
    ($conn:ty, $backend:literal) => {
        pub(crate) fn greet(
            c: &mut $conn,
            name: String,
            punctuation: &str,
        ) -> Result<String, crate::DbError> {
            let greeting: crate::Greeting =
                diesel::sql_query(format!("SELECT '{} {name}{punctuation}' AS text", $backend))
                    .get_result(c)?;
            Ok(greeting.text)
        }

        pub(crate) fn fail(c: &mut $conn) -> Result<(), crate::DbError> {
            diesel::sql_query("SELECT no_such_column").execute(c)?;
            Ok(())
        }
    };
}

mod sqlite {
    use diesel::RunQueryDsl;
    queries!(diesel::SqliteConnection, "sqlite");
}

mod pg {
    use diesel::RunQueryDsl;
    queries!(diesel::PgConnection, "pg");
}

fn sqlite(db: &ThrowAwayDatabase, timeout: Duration) -> Database {
    let Ok(Backend::Sqlite(path)) = Backend::of(db.url()) else {
        panic!("not a SQLite URL: {}", db.url());
    };
    create_parent_dirs(path).unwrap();
    let pragmas = SqlitePragmas::new(Synchronous::Normal, Duration::from_secs(5));
    Database {
        pools: Pools::Sqlite(sqlite_pool(path, 2, timeout, pragmas).unwrap()),
    }
}

impl Database {
    fn greet(&self, name: String) -> Result<String, PortError> {
        // `name` is moved into the call: the macro runs exactly one of its arms.
        on_conn!(self, greet(name, "!"))
    }

    fn fail(&self) -> Result<(), PortError> {
        on_conn!(self, fail())
    }
}

#[test]
fn the_call_goes_to_the_module_of_the_pools_backend() {
    let file = ThrowAwayDatabase::sqlite("eckwms-db-kit-dispatch-", "test.db");
    let db = sqlite(&file, Duration::from_secs(5));
    assert_eq!(db.greet("a".into()).unwrap(), "sqlite a!");
    assert!(db.fail().unwrap_err().0.starts_with("Diesel("));

    if let Some(server) = ThrowAwayDatabase::postgres("eckwms_db_kit_dispatch_") {
        let pool = postgres_pool(
            server.url(),
            1,
            Duration::from_secs(5),
            false,
            "SET TIME ZONE 'UTC';",
        )
        .unwrap();
        let db = Database {
            pools: Pools::Pg(pool),
        };
        assert_eq!(db.greet("b".into()).unwrap(), "pg b!");
        assert!(db.fail().unwrap_err().0.starts_with("Diesel("));
    }
}

#[test]
fn no_free_connection_is_the_adapters_unavailable_error() {
    let file = ThrowAwayDatabase::sqlite("eckwms-db-kit-dispatch-", "test.db");
    let db = sqlite(&file, Duration::from_millis(50));
    let Pools::Sqlite(pool) = &db.pools else {
        unreachable!()
    };
    let _held = (pool.get().unwrap(), pool.get().unwrap());
    let PortError(e) = db.greet("c".into()).unwrap_err();
    assert!(
        e.starts_with("Unavailable(\"no database connection: "),
        "{e}"
    );
}
