//! The scan relay: devices post, instances pull (leased) and confirm; retention cleans up.

use eckwms_problems::ProblemCode;
use std::sync::Arc;

use chrono::Duration;
use eckwms_global_domain::device::Device;
use eckwms_global_domain::relay::{
    MAX_BATCH, RelayedScan, parse_barcode, parse_batch, parse_msg_id, retention,
};
use eckwms_global_domain::{Instance, InstanceStatus, Tier, Validation};

use crate::devices::DeviceService;
use crate::error::{AppError, AppResult};
use crate::ports::{Clock, InstanceRepository, NewRelayScan, RelayRepository};

/// What a pull hands out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pulled {
    /// The leased scans, oldest first.
    pub scans: Vec<RelayedScan>,
    /// The instance's scans still open after this pull, not counting those it handed out:
    /// waiting, or leased earlier and not confirmed.
    pub backlog: i64,
}

#[derive(Clone)]
pub struct RelayService {
    relay: Arc<dyn RelayRepository>,
    instances: Arc<dyn InstanceRepository>,
    clock: Arc<dyn Clock>,
    lease: Duration,
}

impl RelayService {
    /// `lease`: how long a pulled scan stays with its puller before it can be pulled again.
    pub fn new(
        relay: Arc<dyn RelayRepository>,
        instances: Arc<dyn InstanceRepository>,
        clock: Arc<dyn Clock>,
        lease: Duration,
    ) -> Self {
        Self {
            relay,
            instances,
            clock,
            lease,
        }
    }

    /// A scan from an active device for its (active) instance. Returns the stored scan and
    /// whether it is new (a retry of a `msgId` returns the first).
    pub fn post(
        &self,
        device: &Device,
        msg_id: &str,
        barcode: &str,
    ) -> AppResult<(RelayedScan, bool)> {
        DeviceService::require_active(device)?;
        let mut v = Validation::new();
        let msg_id = v.check("msgId", parse_msg_id(msg_id));
        let barcode = v.check("barcode", parse_barcode(barcode));
        v.finish().map_err(AppError::Invalid)?;
        let (Some(msg_id), Some(barcode)) = (msg_id, barcode) else {
            return Err(AppError::invalid("body", "invalid"));
        };
        let active = self
            .instances
            .find(&device.instance_id)?
            .is_some_and(|s| s.instance.status == InstanceStatus::Active);
        if !active {
            return Err(AppError::refused(
                ProblemCode::InstanceUnavailable,
                "the device's instance is disabled or gone",
            ));
        }
        self.relay.add_scan(&NewRelayScan {
            instance_id: device.instance_id,
            device_id: device.id.clone(),
            msg_id,
            barcode,
            received_at: self.clock.now(),
        })
    }

    /// Leases up to `limit` (1 to 500) scans to the instance, with the backlog after them.
    /// `reclaim`: the instance holds none of the scans it pulled before and did not confirm
    /// (it lost them: it restarted, or an answer did not arrive); they are handed out again
    /// now, oldest first with the others, rather than when their leases end, so that no later
    /// scan of a device overtakes them.
    pub fn pull(&self, instance: &Instance, limit: i64, reclaim: bool) -> AppResult<Pulled> {
        let limit = parse_batch(limit).map_err(|m| AppError::invalid("limit", m))?;
        let now = self.clock.now();
        if reclaim {
            self.relay.end_leases(&instance.id, now)?;
        }
        let scans = self
            .relay
            .pull(&instance.id, now, now + self.lease, limit)?;
        let open = self.relay.open_scans(&instance.id)?;
        let pulled = i64::try_from(scans.len()).unwrap_or(i64::MAX);
        Ok(Pulled {
            scans,
            backlog: open.saturating_sub(pulled).max(0),
        })
    }

    /// Confirms pulled scans; returns the ids that are (now or already) confirmed.
    pub fn confirm(&self, instance: &Instance, ids: &[i64]) -> AppResult<Vec<i64>> {
        if ids.is_empty() || ids.len() > MAX_BATCH {
            return Err(AppError::invalid(
                "ids",
                format!("must name 1 to {MAX_BATCH} scans"),
            ));
        }
        self.relay.confirm(&instance.id, ids, self.clock.now())
    }

    /// Retention: deletes the free tier's confirmed scans and its scans left unconfirmed for
    /// 7 days; the paid tier keeps everything.
    pub fn run_retention(&self) -> AppResult<u64> {
        match retention(Tier::Free, self.clock.now()) {
            Some(cut) => self.relay.purge_free_tier(&cut),
            None => Ok(0),
        }
    }

    /// The instance's scans in any state, oldest first.
    pub fn list(&self, instance: &Instance, limit: i64) -> AppResult<Vec<RelayedScan>> {
        let limit = parse_batch(limit).map_err(|m| AppError::invalid("limit", m))?;
        self.relay.list_scans(&instance.id, limit)
    }
}
