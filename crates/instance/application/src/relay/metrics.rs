//! The relay's metrics (see `crate::metrics`): the backlog, read at each scrape, and the
//! relayed scans applied and refused, counted after their outcome committed.

/// Relayed scans waiting: those the global service reported with the last pull plus the
/// local inbox; read at each scrape.
pub const BACKLOG: &str = "eckwms_relay_backlog";
/// Relayed scans applied through the scan flow (replays of a `msg_id` included).
pub const APPLIED: &str = "eckwms_relay_applied_total";
/// Relayed scans refused for good (a device not active here, ...): recorded and confirmed.
pub const REFUSED: &str = "eckwms_relay_refused_total";

/// Sets [`BACKLOG`].
pub fn record_backlog(backlog: i64) {
    // Exact up to 2^53 scans.
    #[allow(clippy::cast_precision_loss)]
    metrics::gauge!(BACKLOG).set(backlog as f64);
}

/// The global service reported a backlog; the gauge follows until the next scrape reads it.
pub(crate) fn backlog_reported(backlog: i64) {
    record_backlog(backlog);
}

pub(crate) fn applied(applied: usize, refused: usize) {
    metrics::counter!(APPLIED).increment(u64::try_from(applied).unwrap_or(u64::MAX));
    metrics::counter!(REFUSED).increment(u64::try_from(refused).unwrap_or(u64::MAX));
}

/// Describes the relay's metrics for the scrape output.
pub fn describe() {
    metrics::describe_gauge!(
        BACKLOG,
        "relayed scans waiting: at the global service (as of the last pull) and in the inbox"
    );
    metrics::describe_counter!(APPLIED, "relayed scans applied through the scan flow");
    metrics::describe_counter!(
        REFUSED,
        "relayed scans refused for good (recorded, confirmed)"
    );
}
