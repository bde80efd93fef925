//! Black-box tests of the real `eckwms` binary, on SQLite and on PostgreSQL (when
//! `ECKWMS_TEST_PG_URL` is set). Each test starts its own server(s) on a fresh database.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod backup;
mod devices;
mod events;
mod harness;
mod metrics;
mod process;
mod prometheus;
mod repair;
mod scanning;
mod scenarios;
mod stress;
mod webhooks;

/// The scenarios of every file, for `on_both_backends!`.
mod all_scenarios {
    pub use crate::access::*;
    pub use crate::devices::*;
    pub use crate::repair::*;
    pub use crate::scanning::*;
    pub use crate::scenarios::*;
}

/// Runs each scenario once per backend; PostgreSQL runs are skipped (and say so) when unset.
macro_rules! on_both_backends {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[actix_rt::test]
                async fn $test() {
                    let db = crate::harness::database(crate::harness::Backend::Sqlite).unwrap();
                    crate::all_scenarios::$test(&db, crate::harness::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[actix_rt::test]
                async fn $test() {
                    match crate::harness::database(crate::harness::Backend::Postgres) {
                        Some(db) => crate::all_scenarios::$test(&db, crate::harness::Backend::Postgres).await,
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
    scan_walkthrough,
    scan_bad_input_changes_nothing,
    concurrent_duplicate_scans_apply_once,
    a_serial_names_one_item,
    lookups_change_nothing,
    serial_conflicts_from_before_the_rule_are_reported,
    label_sheets_replay_byte_for_byte,
    people_log_in_and_roles_are_enforced,
    a_users_language_follows_them_to_their_scans,
    scanners_pair_wait_for_approval_and_scan,
    badges_log_operators_in,
    rma_requests_get_distinct_codes_that_scans_find,
    rma_slips_show_the_code_and_the_serials,
    a_repair_from_request_to_report,
);

#[actix_rt::test]
async fn two_processes_share_one_postgres() {
    match crate::harness::database(crate::harness::Backend::Postgres) {
        Some(db) => stress::two_processes(&db).await,
        None => eprintln!("PostgreSQL black-box test skipped: ECKWMS_TEST_PG_URL is unset"),
    }
}

#[actix_rt::test]
async fn two_processes_share_scan_sessions() {
    match crate::harness::database(crate::harness::Backend::Postgres) {
        Some(db) => scanning::two_processes_share_scan_sessions(&db).await,
        None => eprintln!("PostgreSQL black-box test skipped: ECKWMS_TEST_PG_URL is unset"),
    }
}

#[actix_rt::test]
async fn two_processes_stream_every_seq_once() {
    match crate::harness::database(crate::harness::Backend::Postgres) {
        Some(db) => events::two_processes_stream_every_seq_once(&db).await,
        None => eprintln!("PostgreSQL black-box test skipped: ECKWMS_TEST_PG_URL is unset"),
    }
}

mod webhook_deliveries {
    #[actix_rt::test]
    async fn sqlite() {
        let db = crate::harness::database(crate::harness::Backend::Sqlite).unwrap();
        crate::webhooks::a_receiver_gets_every_change_once_across_a_crash(&db).await;
    }

    #[actix_rt::test]
    async fn postgres() {
        match crate::harness::database(crate::harness::Backend::Postgres) {
            Some(db) => {
                crate::webhooks::a_receiver_gets_every_change_once_across_a_crash(&db).await
            }
            None => eprintln!("PostgreSQL black-box test skipped: ECKWMS_TEST_PG_URL is unset"),
        }
    }
}
