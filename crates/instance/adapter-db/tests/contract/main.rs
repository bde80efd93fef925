//! The repository contract: one suite, run on SQLite always and on PostgreSQL when
//! `ECKWMS_TEST_PG_URL` is set (CI always sets it). Every test uses its own fresh database.
//! The shared helpers are here; the tests are in one file per wing beside this one, and the
//! list at the end runs each on both backends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use eckwms_application::ProblemCode;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, TimeZone, Utc};
use eckwms_adapter_db::Database;
use eckwms_adapter_db::testing::TestDatabase;
use eckwms_application::AppError;
use eckwms_application::movement::steps as moving;
use eckwms_application::ports::*;
use eckwms_domain::*;

static TICK: AtomicI64 = AtomicI64::new(0);

fn now() -> DateTime<Utc> {
    let base = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
    base + chrono::Duration::microseconds(TICK.fetch_add(1, Ordering::Relaxed))
}

fn ctx() -> WriteContext {
    WriteContext {
        actor: "apikey:1".into(),
        at: now(),
        request_id: Some("req-test".into()),
        reason: None,
        scan: None,
        idempotency: None,
    }
}

fn name(s: &str) -> Name {
    Name::new("name", s).unwrap()
}

fn page<C>(limit: u32) -> PageQuery<C> {
    PageQuery { after: None, limit }
}

fn place(db: &Database, label: &str) -> Place {
    db.create_place(
        &NewPlace {
            warehouse_id: WarehouseId(1),
            name: name(label),
        },
        &ctx(),
    )
    .unwrap()
}

fn boxed(db: &Database, parent: Option<Parent>) -> StorageBox {
    db.create_box(
        &NewBox {
            name: None,
            parent,
            ..NewBox::default()
        },
        &ctx(),
    )
    .unwrap()
}

fn item(db: &Database, parent: Option<Parent>) -> Item {
    db.create_item(
        &NewItem {
            parent,
            ..NewItem::default()
        },
        &ctx(),
    )
    .unwrap()
}

/// A move as the service runs it (`steps::run`: the single-object way where the backend has
/// one, else one unit of work).
fn apply_moves(
    db: &Database,
    command: &MoveCommand,
    ctx: &WriteContext,
) -> Result<Vec<MoveOutcome>, AppError> {
    moving::run(db, db.single_moves().as_deref(), command, ctx)
}

fn move_to(db: &Database, objects: Vec<Movable>, to: Parent) -> Result<Vec<MoveOutcome>, AppError> {
    apply_moves(
        db,
        &MoveCommand {
            objects,
            to,
            expected_from: None,
        },
        &ctx(),
    )
}

fn verify_clean(db: &Database) {
    let mut replay = Replay::new();
    let stored = db.snapshot_for_verify(&mut replay).unwrap();
    let problems = replay.compare(&stored);
    assert!(problems.is_empty(), "{problems:#?}");
}

// The suite, one file per wing.
mod access;
mod catalog;
mod devices;
mod events;
mod floor;
mod global;
mod idempotency;
mod movement;
mod orders;
mod overview;
mod relay;
mod repair;
mod scanning;
mod serials;
mod system;
mod webhooks;
pub(crate) use access::*;
pub(crate) use catalog::*;
pub(crate) use devices::*;
pub(crate) use events::*;
pub(crate) use floor::*;
pub(crate) use global::*;
pub(crate) use idempotency::*;
pub(crate) use movement::*;
pub(crate) use orders::*;
pub(crate) use overview::*;
pub(crate) use relay::*;
pub(crate) use repair::*;
pub(crate) use scanning::*;
pub(crate) use serials::*;
pub(crate) use system::*;
pub(crate) use webhooks::*;

macro_rules! contract {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $test() {
                    super::$test(&super::TestDatabase::sqlite());
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $test() {
                    match super::TestDatabase::postgres() {
                        Some(db) => super::$test(&db),
                        None => eprintln!("PostgreSQL contract skipped: ECKWMS_TEST_PG_URL is unset"),
                    }
                }
            )*
        }
    };
}

contract!(
    webhooks_are_created_changed_and_deleted,
    the_cursor_moves_only_under_the_lease_and_from_where_it_was,
    two_takers_never_both_hold_a_webhooks_lease,
    results_and_the_orders_holding_an_item_are_read,
    parcels_on_role_places_move_their_orders_on,
    an_order_is_received_once_under_concurrent_moves,
    migrations_go_up_down_up,
    the_ledger_keeps_its_rows_across_its_key_migration,
    the_floor_moves_as_the_service_does,
    warehouses_have_versions,
    racks_create_their_places,
    standalone_places_skip_rack_cells,
    items_store_fields_and_filter,
    item_actions_page_by_ledger_seq,
    moves_follow_the_rules,
    direct_contents_page_across_kinds,
    deletes_keep_history,
    orders_link_boxes,
    orders_keep_their_public_fields,
    the_overview_counts_objects_and_orders_per_status,
    the_event_stream_reads_the_ledger_in_order_with_filters,
    the_event_stream_has_no_gaps_under_concurrent_writers,
    the_latest_activity_is_the_newest_ledger_rows_first,
    scans_are_counted_in_the_hours_of_the_day_asked_for,
    actors_are_named_by_their_users_keys_and_scanners,
    verify_detects_tampering,
    roles_are_seeded_once,
    roles_are_created_changed_and_deleted,
    roles_in_use_are_not_deleted,
    role_deletion_races_holders,
    usernames_are_unique_ignoring_case,
    usernames_stay_unique_under_concurrency,
    users_change_under_expected_versions,
    sessions_carry_their_users_permissions,
    deactivation_and_new_passwords_end_sessions,
    a_login_does_not_outlive_a_change_of_its_user,
    sessions_are_purged_when_expired_or_idle,
    failed_logins_are_counted_and_purged,
    audit_entries_list_newest_first,
    devices_register_change_and_go,
    a_nonce_registers_one_device_under_concurrency,
    signed_requests_read_their_signer_and_record_signatures_once,
    operators_log_in_once_per_scanner_and_end_with_their_user,
    badges_name_their_users,
    api_keys_round_trip,
    api_keys_carry_their_roles_permissions,
    api_keys_keep_their_scope_as_role_across_the_access_migration,
    last_admin_key_is_never_revoked,
    last_admin_key_holds_under_concurrent_revocations,
    idempotency_claims_are_exclusive,
    idempotent_responses_keep_their_bytes,
    ids_are_unique_under_concurrency,
    concurrent_moves_keep_state_consistent,
    racing_single_moves_chain_in_the_ledger,
    scans_follow_the_flow,
    scan_sessions_are_per_device_and_expire,
    duplicate_scans_apply_once_under_concurrency,
    box_barcodes_round_trip,
    a_serial_names_one_item_of_a_class,
    serials_stay_one_item_per_class_under_concurrency,
    serial_duplicates_from_before_the_rule_survive_the_migration,
    a_serial_scan_names_the_item_that_carries_it,
    lookups_find_without_writing,
    api_creates_and_scans_of_one_serial_make_one_item,
    rma_requests_take_the_clocks_second_or_the_next_free_one,
    declared_devices_are_replaced_by_a_patch,
    rma_numbers_are_unique_under_concurrency,
    an_rma_request_finds_the_items_in_its_boxes_at_any_depth,
    places_take_roles_and_lists_filter_by_them,
    items_with_open_repair_work_are_listed,
    orders_are_listed_by_when_they_were_received,
    received_orders_missing_devices_agree_with_their_reconciliation,
    boxes_are_listed_by_the_status_of_their_order,
    the_service_report_reads_requests_page_by_page,
    racks_count_their_places_that_hold_something,
    the_global_link_is_stored_once_and_replaced,
    the_relay_lease_has_one_holder_under_concurrent_takers,
    the_relay_inbox_keeps_scans_once_in_order,
);
