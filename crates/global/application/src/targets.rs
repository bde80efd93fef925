//! Where the proxy sends an instance's requests, remembered for a moment.
//!
//! Every proxied request needs its instance's address from the registry. Read from the database
//! each time, that lookup (a trip to a blocking thread and back) cost about half of the proxy's
//! CPU per request. An instance's record read lately is therefore kept in memory (an
//! `eckwms_memo::Memo`) for `keep` (`instances.proxy_memory_ms`, default 1 s), and the route
//! checks it on its own thread.
//!
//! What this costs in freshness: a change made through this process (status, heartbeat with new
//! addresses, registration) forgets the instance at once; a change made through another process
//! serving the same database reaches this one within `keep`, so an instance disabled there is
//! still proxied here for at most that long. Only active instances are kept, so a request for an
//! unknown or disabled instance always reads the registry; the memory holds at most as many
//! entries as instances in use, and drops old ones when it grows past [`SWEEP`].

use chrono::{DateTime, Duration, Utc};
use eckwms_global_domain::{Instance, InstanceId, InstanceStatus};
use eckwms_memo::Memo;

/// Entries beyond this many make the next insert drop the ones too old to use.
const SWEEP: usize = 4096;

pub struct TargetMemory {
    memo: Memo<InstanceId, Instance>,
}

impl TargetMemory {
    /// `keep` zero or less: nothing is remembered.
    pub fn new(keep: Duration) -> Self {
        Self {
            memo: Memo::new(keep, SWEEP),
        }
    }

    pub(crate) fn recall(&self, id: &InstanceId, now: DateTime<Utc>) -> Option<Instance> {
        self.memo.recall(id, now)
    }

    /// Remembers `instance` if it is active (a request for another one always reads the
    /// registry).
    pub(crate) fn remember(&self, instance: &Instance, now: DateTime<Utc>) {
        if instance.status == InstanceStatus::Active {
            self.memo.remember(instance.id, instance.clone(), now);
        }
    }

    pub(crate) fn forget(&self, id: &InstanceId) {
        self.memo.forget(id);
    }
}
