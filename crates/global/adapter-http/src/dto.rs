//! Response bodies shared by several routes (camelCase, as the original global service).

use chrono::{DateTime, SecondsFormat, Utc};
use eckwms_global_application::InstanceView;
use eckwms_global_domain::device::Device;
use eckwms_global_domain::relay::RelayedScan;
use serde::Serialize;
use utoipa::ToSchema;

pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// An instance as operators (and the instance itself) see it. Never carries its key.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InstanceOut {
    #[schema(example = "0b0e6f3a-1234-4abc-8def-0123456789ab")]
    pub instance_id: String,
    pub name: String,
    /// `free` or `paid`.
    pub tier: &'static str,
    /// `active` or `disabled`.
    pub status: &'static str,
    /// Seen within `instances.offline_after_secs`.
    pub online: bool,
    /// Ed25519, uppercase hex.
    pub server_public_key: String,
    pub local_ips: Vec<String>,
    pub port: u16,
    /// Where the last registration or heartbeat came from.
    pub public_address: Option<String>,
    pub registered_at: String,
    pub last_seen: String,
}

impl From<InstanceView> for InstanceOut {
    fn from(v: InstanceView) -> Self {
        let i = v.instance;
        Self {
            instance_id: i.id.to_string(),
            name: i.name.as_str().to_owned(),
            tier: i.tier.as_str(),
            status: i.status.as_str(),
            online: v.online,
            server_public_key: i.server_public_key.as_hex().to_owned(),
            local_ips: i.local_ips.iter().map(ToString::to_string).collect(),
            port: i.port,
            public_address: i.public_addr.map(|a| a.to_string()),
            registered_at: rfc3339(i.registered_at),
            last_seen: rfc3339(i.last_seen),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeviceOut {
    pub device_id: String,
    pub instance_id: String,
    pub device_name: String,
    /// Ed25519, standard base64.
    pub device_public_key: String,
    /// `pending`, `active` or `blocked`.
    pub status: &'static str,
    pub registered_at: String,
    pub updated_at: String,
}

impl From<Device> for DeviceOut {
    fn from(d: Device) -> Self {
        Self {
            device_id: d.id.as_str().to_owned(),
            instance_id: d.instance_id.to_string(),
            device_name: d.name,
            device_public_key: d.public_key.as_str().to_owned(),
            status: d.status.as_str(),
            registered_at: rfc3339(d.registered_at),
            updated_at: rfc3339(d.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScanOut {
    pub id: i64,
    pub device_id: String,
    pub msg_id: String,
    pub barcode: String,
    /// `buffered`, `delivered` or `confirmed`.
    pub state: &'static str,
    pub received_at: String,
    pub lease_until: Option<String>,
    pub deliveries: i32,
}

impl From<RelayedScan> for ScanOut {
    fn from(s: RelayedScan) -> Self {
        Self {
            id: s.id,
            device_id: s.device_id,
            msg_id: s.msg_id,
            barcode: s.barcode,
            state: s.state.as_str(),
            received_at: rfc3339(s.received_at),
            lease_until: s.lease_until.map(rfc3339),
            deliveries: s.deliveries,
        }
    }
}

/// A secret shown once.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenOut {
    pub token: String,
    pub expires_at: Option<String>,
}
