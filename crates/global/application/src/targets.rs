//! Where the proxy sends an instance's requests, remembered for a moment.
//!
//! Every proxied request needs its instance's address from the registry. Read from the database
//! each time, that lookup (a trip to a blocking thread and back) cost about half of the proxy's
//! CPU per request. An instance's record read lately is therefore kept in memory for `keep`
//! (`proxy.target_memory_ms`, default 1 s) and the route checks it on its own thread.
//!
//! What this costs in freshness: a change made through this process (status, heartbeat with new
//! addresses, registration) forgets the instance at once; a change made through another process
//! serving the same database reaches this one within `keep`, so an instance disabled there is
//! still proxied here for at most that long. Only active instances are kept, so a request for an
//! unknown or disabled instance always reads the registry; the memory holds at most as many
//! entries as instances in use, and drops old ones when it grows past [`SWEEP`].

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use eckwms_global_domain::{Instance, InstanceId, InstanceStatus};

/// Entries beyond this many make the next insert drop the ones too old to use.
const SWEEP: usize = 4096;

pub struct TargetMemory {
    keep: Duration,
    entries: Mutex<HashMap<InstanceId, (Instance, DateTime<Utc>)>>,
}

impl TargetMemory {
    /// `keep` zero or less: nothing is remembered.
    pub fn new(keep: Duration) -> Self {
        Self {
            keep,
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn recall(&self, id: &InstanceId, now: DateTime<Utc>) -> Option<Instance> {
        if self.keep <= Duration::zero() {
            return None;
        }
        let entries = self.entries.lock().ok()?;
        let (instance, read_at) = entries.get(id)?;
        (*read_at <= now && now - *read_at < self.keep).then(|| instance.clone())
    }

    pub(crate) fn remember(&self, instance: &Instance, now: DateTime<Utc>) {
        if self.keep <= Duration::zero() || instance.status != InstanceStatus::Active {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= SWEEP {
                entries.retain(|_, (_, at)| now - *at < self.keep);
            }
            entries.insert(instance.id, (instance.clone(), now));
        }
    }

    pub(crate) fn forget(&self, id: &InstanceId) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(id);
        }
    }
}
