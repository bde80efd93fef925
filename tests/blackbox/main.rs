//! Black-box tests of the real `eckwms` binary, on SQLite and on PostgreSQL (when
//! `ECKWMS_TEST_PG_URL` is set). Each test starts its own server(s) on a fresh database.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod harness;
mod process;
mod scenarios;
mod stress;

/// Runs each scenario once per backend; PostgreSQL runs are skipped (and say so) when unset.
macro_rules! on_both_backends {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[actix_rt::test]
                async fn $test() {
                    let db = crate::harness::database(crate::harness::Backend::Sqlite).unwrap();
                    crate::scenarios::$test(&db, crate::harness::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[actix_rt::test]
                async fn $test() {
                    match crate::harness::database(crate::harness::Backend::Postgres) {
                        Some(db) => crate::scenarios::$test(&db, crate::harness::Backend::Postgres).await,
                        None => eprintln!("PostgreSQL black-box test skipped: ECKWMS_TEST_PG_URL is unset"),
                    }
                }
            )*
        }
    };
}

on_both_backends!(
    walkthrough_and_verify,
    bad_input_is_refused_and_writes_nothing,
    keys_scopes_and_bootstrap,
    idempotency_replays_and_serializes,
    concurrent_moves_keep_integrity,
);

#[actix_rt::test]
async fn two_processes_share_one_postgres() {
    match crate::harness::database(crate::harness::Backend::Postgres) {
        Some(db) => stress::two_processes(&db).await,
        None => eprintln!("PostgreSQL black-box test skipped: ECKWMS_TEST_PG_URL is unset"),
    }
}
