//! The devices rows: registered scanners.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use eckwms_domain::devices::{Device, DeviceId, DevicePublicKey, DeviceStatus};

use super::{from_db, text, to_db};
use crate::error::DbError;
use crate::schema::{device_operators, devices};

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug)]
#[diesel(table_name = devices, treat_none_as_default_value = false)]
pub(crate) struct DeviceRow {
    pub id: String,
    pub name: String,
    pub public_key: String,
    pub status: String,
    pub role: Option<String>,
    pub version: i64,
    pub registered_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_seen_at: Option<NaiveDateTime>,
}

impl DeviceRow {
    pub fn from_domain(d: &Device) -> Self {
        Self {
            id: d.id.as_str().to_owned(),
            name: d.name.as_str().to_owned(),
            public_key: d.public_key.as_str().to_owned(),
            status: d.status.as_str().to_owned(),
            role: d.role.clone(),
            version: d.version,
            registered_at: to_db(d.registered_at),
            updated_at: to_db(d.updated_at),
            last_seen_at: d.last_seen_at.map(to_db),
        }
    }

    pub fn into_domain(self) -> Result<Device, DbError> {
        let corrupt = |column: &'static str| {
            move |e: String| DbError::corrupt(format!("devices.{column}: {e}"))
        };
        Ok(Device {
            id: DeviceId::parse(&self.id).map_err(corrupt("id"))?,
            name: text("devices.name", self.name)?,
            public_key: DevicePublicKey::parse(&self.public_key).map_err(corrupt("public_key"))?,
            status: DeviceStatus::parse(&self.status).map_err(corrupt("status"))?,
            role: self.role,
            version: self.version,
            registered_at: from_db(self.registered_at),
            updated_at: from_db(self.updated_at),
            last_seen_at: self.last_seen_at.map(from_db),
        })
    }
}

/// The operator logged in on a device.
#[derive(Queryable, Selectable, Insertable, Debug)]
#[diesel(table_name = device_operators)]
pub(crate) struct OperatorRow {
    pub device_id: String,
    pub user_id: String,
    pub started_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
}
