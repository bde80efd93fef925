//! Row structs and their conversion to and from domain values.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use eckwms_device_protocol::{DeviceId, DevicePublicKey, DeviceStatus};
use eckwms_global_application::ports::StoredInstance;
use eckwms_global_domain::device::Device;
use eckwms_global_domain::relay::{RelayedScan, ScanState};
use eckwms_global_domain::secret::SecretHash;
use eckwms_global_domain::{
    Instance, InstanceId, InstanceName, InstanceStatus, ServerPublicKey, Tier,
};

use crate::error::DbError;
use crate::schema::{devices, instances, relay_scans};

/// A time as stored: microseconds since the epoch.
pub(crate) fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

pub(crate) fn time(micros: i64) -> Result<DateTime<Utc>, DbError> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| DbError::corrupt(format!("time out of range: {micros}")))
}

fn corrupt<T>(what: &str) -> impl FnOnce(T) -> DbError + '_ {
    move |_| DbError::corrupt(what)
}

pub(crate) fn ips_json(ips: &[IpAddr]) -> String {
    let texts: Vec<String> = ips.iter().map(ToString::to_string).collect();
    serde_json::Value::from(texts).to_string()
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = instances)]
pub(crate) struct InstanceRow {
    pub id: String,
    pub name: String,
    pub tier: String,
    pub status: String,
    pub key_hash: String,
    pub server_public_key: String,
    pub local_ips: String,
    pub port: i32,
    pub public_addr: Option<String>,
    pub registered_at: i64,
    pub last_seen: i64,
}

impl InstanceRow {
    pub(crate) fn into_stored(self) -> Result<StoredInstance, DbError> {
        let ips: Vec<String> =
            serde_json::from_str(&self.local_ips).map_err(corrupt("instances.local_ips"))?;
        let local_ips = ips
            .iter()
            .map(|ip| ip.parse::<IpAddr>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(corrupt("instances.local_ips"))?;
        let instance = Instance {
            id: InstanceId::parse(&self.id).map_err(corrupt("instances.id"))?,
            name: InstanceName::from_stored(&self.name).map_err(corrupt("instances.name"))?,
            tier: Tier::parse(&self.tier).map_err(corrupt("instances.tier"))?,
            status: InstanceStatus::parse(&self.status).map_err(corrupt("instances.status"))?,
            server_public_key: ServerPublicKey::parse(&self.server_public_key)
                .map_err(corrupt("instances.server_public_key"))?,
            local_ips,
            port: u16::try_from(self.port).map_err(corrupt("instances.port"))?,
            public_addr: self
                .public_addr
                .as_deref()
                .map(str::parse)
                .transpose()
                .map_err(corrupt("instances.public_addr"))?,
            registered_at: time(self.registered_at)?,
            last_seen: time(self.last_seen)?,
        };
        Ok(StoredInstance {
            instance,
            key_hash: SecretHash::from_stored(&self.key_hash)
                .ok_or_else(|| DbError::corrupt("instances.key_hash"))?,
        })
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = devices)]
pub(crate) struct DeviceRow {
    pub id: String,
    pub instance_id: String,
    pub name: String,
    pub public_key: String,
    pub status: String,
    pub registered_at: i64,
    pub updated_at: i64,
}

impl DeviceRow {
    pub(crate) fn into_device(self) -> Result<Device, DbError> {
        Ok(Device {
            id: DeviceId::parse(&self.id).map_err(corrupt("devices.id"))?,
            instance_id: InstanceId::parse(&self.instance_id)
                .map_err(corrupt("devices.instance_id"))?,
            name: self.name,
            public_key: DevicePublicKey::parse(&self.public_key)
                .map_err(corrupt("devices.public_key"))?,
            status: DeviceStatus::parse(&self.status).map_err(corrupt("devices.status"))?,
            registered_at: time(self.registered_at)?,
            updated_at: time(self.updated_at)?,
        })
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = relay_scans)]
pub(crate) struct ScanRow {
    pub id: i64,
    pub device_id: String,
    pub msg_id: String,
    pub barcode: String,
    pub state: String,
    pub received_at: i64,
    pub lease_until: Option<i64>,
    pub deliveries: i32,
}

impl ScanRow {
    pub(crate) fn into_scan(self) -> Result<RelayedScan, DbError> {
        Ok(RelayedScan {
            id: self.id,
            device_id: self.device_id,
            msg_id: self.msg_id,
            barcode: self.barcode,
            state: ScanState::parse(&self.state).map_err(corrupt("relay_scans.state"))?,
            received_at: time(self.received_at)?,
            lease_until: self.lease_until.map(time).transpose()?,
            deliveries: self.deliveries,
        })
    }
}
