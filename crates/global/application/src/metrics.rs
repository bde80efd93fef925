//! The metrics of the global service's use cases, through the `metrics` facade (a no-op unless
//! the service installed a recorder, `metrics.bind`). Read at each scrape, described once by
//! [`describe`].

use crate::instances::InstanceView;
use eckwms_global_domain::InstanceStatus;

/// Registered instances by `state`: `online` (active and heard from within
/// `instances.offline_after_secs`), `offline` (active, not heard from since), `disabled`.
pub const INSTANCES: &str = "eckwms_global_instances";
/// Seconds since the active instance heard from longest ago sent its last heartbeat (0 when
/// there is none).
pub const OLDEST_HEARTBEAT_AGE: &str = "eckwms_global_instance_oldest_heartbeat_age_seconds";

/// The counts of one reading of the instances.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InstanceCounts {
    pub online: u64,
    pub offline: u64,
    pub disabled: u64,
    /// Of the active instances, the longest time since a heartbeat, in whole seconds.
    pub oldest_heartbeat_age_secs: u64,
}

impl InstanceCounts {
    /// Counts `views` read at `now`.
    pub fn of(views: &[InstanceView], now: chrono::DateTime<chrono::Utc>) -> Self {
        let mut counts = Self::default();
        for view in views {
            match (view.instance.status, view.online) {
                (InstanceStatus::Disabled, _) => counts.disabled += 1,
                (InstanceStatus::Active, true) => counts.online += 1,
                (InstanceStatus::Active, false) => counts.offline += 1,
            }
            if view.instance.status == InstanceStatus::Active {
                let age = u64::try_from((now - view.instance.last_seen).num_seconds()).unwrap_or(0);
                counts.oldest_heartbeat_age_secs = counts.oldest_heartbeat_age_secs.max(age);
            }
        }
        counts
    }

    /// Sets [`INSTANCES`] and [`OLDEST_HEARTBEAT_AGE`]. Counts, not one series per instance:
    /// an instance's id is no label (the admin list, `GET /ECK/API/ADMIN/INSTANCES`, names the
    /// offline ones).
    #[allow(clippy::cast_precision_loss)]
    pub fn record(self) {
        metrics::gauge!(INSTANCES, "state" => "online").set(self.online as f64);
        metrics::gauge!(INSTANCES, "state" => "offline").set(self.offline as f64);
        metrics::gauge!(INSTANCES, "state" => "disabled").set(self.disabled as f64);
        metrics::gauge!(OLDEST_HEARTBEAT_AGE).set(self.oldest_heartbeat_age_secs as f64);
    }
}

/// Describes this crate's metrics for the scrape output.
pub fn describe() {
    metrics::describe_gauge!(
        INSTANCES,
        "registered instances by state: online, offline (active, no heartbeat within instances.offline_after_secs), disabled"
    );
    metrics::describe_gauge!(
        OLDEST_HEARTBEAT_AGE,
        metrics::Unit::Seconds,
        "seconds since the active instance heard from longest ago sent its last heartbeat"
    );
}
