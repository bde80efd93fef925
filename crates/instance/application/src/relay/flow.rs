//! What the puller asks of the other wings: who a device is here, the scan flow, and the scan
//! log. A port of its own ([`ScanFlow`]) so that the puller's tests run on a fake; the
//! service's is [`WingFlow`], over the devices and scanning wings.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::access::Actor;
use crate::error::AppResult;
use crate::ports::{RelayedScan, ScanAction, ScanOutcome, ScanRecord, UnitOfWork};
use crate::{DeviceService, ScanCaller, ScanRequest, ScanService};

/// The `resolution` of a relayed scan that was refused before it was read (the scan log's
/// entry of a scan of a device not active here).
pub const RELAY_REFUSED: &str = "relay_refused";

#[cfg_attr(feature = "mock", mockall::automock)]
pub trait ScanFlow: Send + Sync {
    /// The actor of the device's relayed scans ([`DeviceService::relayed_actor`]): 403
    /// `device_not_active` for a device unknown here or not active.
    fn actor(&self, device_id: &str) -> AppResult<Actor>;
    /// The normal scan flow ([`ScanService::scan`]).
    fn scan(&self, request: &ScanRequest, caller: &ScanCaller) -> AppResult<ScanOutcome>;
    /// Writes the scan to the scan log as an error (action `error`, resolution
    /// [`RELAY_REFUSED`]) under the device's session, unless the device's `msg_id` is there
    /// already.
    fn log_refused(&self, scan: &RelayedScan, message: &str, at: DateTime<Utc>) -> AppResult<()>;
}

/// [`ScanFlow`] over the devices and scanning wings.
#[derive(Clone)]
pub struct WingFlow {
    pub devices: DeviceService,
    pub scans: ScanService,
    /// The scan log's unit of work (the one the scans use).
    pub unit: Arc<dyn UnitOfWork>,
}

impl ScanFlow for WingFlow {
    fn actor(&self, device_id: &str) -> AppResult<Actor> {
        self.devices.relayed_actor(device_id)
    }

    fn scan(&self, request: &ScanRequest, caller: &ScanCaller) -> AppResult<ScanOutcome> {
        self.scans.scan(request, caller)
    }

    fn log_refused(&self, scan: &RelayedScan, message: &str, at: DateTime<Utc>) -> AppResult<()> {
        let owner = format!("device:{}", scan.device_id);
        let scan = scan.clone();
        let message = message.to_owned();
        self.unit.write(None, move |tx| {
            // After the device's earlier scans, as a scan of it would be.
            tx.scans().lock_owner(&owner)?;
            if tx.scans().find(&owner, &scan.msg_id)?.is_some() {
                return Ok(());
            }
            let id = tx.scans().next_id()?;
            let answer = json!({
                "scan_id": id,
                "msg_id": scan.msg_id,
                "action": ScanAction::Error.as_str(),
                "type": "unknown",
                "message": message,
                "data": null,
            });
            tx.scans().insert(&ScanRecord {
                id,
                at,
                owner: owner.clone(),
                actor: format!("relay/device:{}", scan.device_id),
                device_id: Some(scan.device_id.clone()),
                msg_id: scan.msg_id.clone(),
                barcode: scan.barcode.clone(),
                resolution: RELAY_REFUSED.to_owned(),
                object: None,
                action: ScanAction::Error,
                answer: answer.to_string(),
                ledger_seqs: Vec::new(),
            })
        })
    }
}
