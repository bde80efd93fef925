//! The metrics the use cases count, through the `metrics` facade (a no-op unless the service
//! installed a recorder, `metrics.bind`). Counted after the transaction committed, so a
//! rolled-back write is never counted; the names are described once by [`describe`].

use crate::ports::ScanAction;

/// New scans (not replays of a `msg_id`), by the `action` they answered.
pub const SCANS: &str = "eckwms_scans_total";
/// Committed `POST /moves` batches (a scan's moves count under [`SCANS`]).
pub const MOVES: &str = "eckwms_moves_total";
/// Objects those batches actually moved (an object already there is not counted).
pub const MOVED_OBJECTS: &str = "eckwms_moved_objects_total";
/// Refused logins, by `reason`: `invalid_credentials` or `throttled`.
pub const LOGIN_FAILURES: &str = "eckwms_login_failures_total";
/// The ledger's highest sequence number, read at each scrape.
pub const LEDGER_HEAD: &str = "eckwms_ledger_head_seq";

pub(crate) fn scan(action: ScanAction) {
    metrics::counter!(SCANS, "action" => action.as_str()).increment(1);
}

pub(crate) fn moved(objects: usize) {
    metrics::counter!(MOVES).increment(1);
    metrics::counter!(MOVED_OBJECTS).increment(u64::try_from(objects).unwrap_or(u64::MAX));
}

pub(crate) fn login_failed(reason: &'static str) {
    metrics::counter!(LOGIN_FAILURES, "reason" => reason).increment(1);
}

/// Sets [`LEDGER_HEAD`].
pub fn record_ledger_head(seq: i64) {
    // Exact up to 2^53 sequence numbers.
    #[allow(clippy::cast_precision_loss)]
    metrics::gauge!(LEDGER_HEAD).set(seq as f64);
}

/// Describes this crate's metrics for the scrape output.
pub fn describe() {
    metrics::describe_counter!(SCANS, "new scans, by the action they answered");
    metrics::describe_counter!(MOVES, "committed move batches (POST /api/v1/moves)");
    metrics::describe_counter!(MOVED_OBJECTS, "objects moved by those batches");
    metrics::describe_counter!(
        LOGIN_FAILURES,
        "refused logins, by reason (invalid_credentials, throttled)"
    );
    metrics::describe_gauge!(LEDGER_HEAD, "the highest committed ledger sequence number");
}
