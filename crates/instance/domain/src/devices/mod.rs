//! Scanners (devices) registered with this instance: the protocol's values
//! (`eckwms-device-protocol`: ids, keys, statuses), the record the instance keeps of a device,
//! and the rules of a registration and of what a device may do.

use chrono::{DateTime, Utc};

pub use eckwms_device_protocol::{DeviceId, DevicePublicKey, DeviceStatus};

use crate::access::Permissions;
use crate::text::Name;

/// A registered device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    pub id: DeviceId,
    /// What people call it (sent by the device, renamed by an admin).
    pub name: Name,
    /// The key its registration and its requests are signed with.
    pub public_key: DevicePublicKey,
    pub status: DeviceStatus,
    /// The role whose permissions the device's requests have (limited to them when an operator
    /// is logged in on it); `None`: none of its own.
    pub role: Option<String>,
    /// Counts every change of the record (ETag).
    pub version: i64,
    pub registered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The last signed request (written at most once a minute).
    pub last_seen_at: Option<DateTime<Utc>>,
}

impl Device {
    /// The record after a registration at `at`: a new device is `pending` with no role; a
    /// known one keeps its status, role and registration time (an admin decided those), takes
    /// the name and key it sent, and counts a new version only when one of them changed.
    pub fn registered(
        existing: Option<&Device>,
        id: DeviceId,
        name: Name,
        public_key: DevicePublicKey,
        at: DateTime<Utc>,
    ) -> Device {
        match existing {
            None => Device {
                id,
                name,
                public_key,
                status: DeviceStatus::Pending,
                role: None,
                version: 1,
                registered_at: at,
                updated_at: at,
                last_seen_at: None,
            },
            Some(known) => {
                let changed = known.name != name || known.public_key != public_key;
                Device {
                    id,
                    name,
                    public_key,
                    status: known.status,
                    role: known.role.clone(),
                    version: known.version + i64::from(changed),
                    registered_at: known.registered_at,
                    updated_at: if changed { at } else { known.updated_at },
                    last_seen_at: known.last_seen_at,
                }
            }
        }
    }

    pub fn is_active(&self) -> bool {
        self.status == DeviceStatus::Active
    }
}

/// What a device's signed request may do: with an operator logged in on it, the operator's
/// role's permissions, limited to the device's role's when the device has one (a scanner at
/// the goods-in desk stays a goods-in scanner whoever holds it); without an operator, the
/// device's role's; without either, nothing.
pub fn permissions(
    device_role: Option<Permissions>,
    operator_role: Option<Permissions>,
) -> Permissions {
    match (device_role, operator_role) {
        (Some(device), Some(operator)) => operator.and(device),
        (None, Some(operator)) => operator,
        (Some(device), None) => device,
        (None, None) => Permissions::NONE,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::access::Permission;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 10, minute, 0).unwrap()
    }

    fn key(text: &str) -> DevicePublicKey {
        DevicePublicKey::parse(text).unwrap()
    }

    const KEY_A: &str = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
    const KEY_B: &str = "PUAXw+hDiVqStwqnTRt+vJyYLM8uxJaMwM1V8Sr0Zgw=";

    fn device(status: DeviceStatus) -> Device {
        let mut d = Device::registered(
            None,
            DeviceId::parse("PDA-7").unwrap(),
            Name::new("name", "PDA 7").unwrap(),
            key(KEY_A),
            at(0),
        );
        d.status = status;
        d.role = Some("PICKER".into());
        d
    }

    #[test]
    fn a_new_device_is_pending_without_a_role() {
        let d = Device::registered(
            None,
            DeviceId::parse("PDA-7").unwrap(),
            Name::new("name", "PDA 7").unwrap(),
            key(KEY_A),
            at(0),
        );
        assert_eq!(d.status, DeviceStatus::Pending);
        assert_eq!(d.role, None);
        assert_eq!(
            (d.version, d.registered_at, d.updated_at),
            (1, at(0), at(0))
        );
        assert!(!d.is_active());
    }

    #[test]
    fn a_known_device_keeps_what_an_admin_decided() {
        for status in [
            DeviceStatus::Pending,
            DeviceStatus::Active,
            DeviceStatus::Blocked,
        ] {
            let known = device(status);
            let same = Device::registered(
                Some(&known),
                known.id.clone(),
                known.name.clone(),
                known.public_key.clone(),
                at(5),
            );
            assert_eq!(same, known, "nothing changed: no new version");
            let renewed = Device::registered(
                Some(&known),
                known.id.clone(),
                Name::new("name", "PDA seven").unwrap(),
                key(KEY_B),
                at(5),
            );
            assert_eq!(renewed.status, status);
            assert_eq!(renewed.role.as_deref(), Some("PICKER"));
            assert_eq!(renewed.version, known.version + 1);
            assert_eq!((renewed.registered_at, renewed.updated_at), (at(0), at(5)));
        }
    }

    #[test]
    fn an_operator_is_limited_by_the_devices_role() {
        let picker = Permissions::of(&[Permission::ScanExecute, Permission::InventoryView]);
        let manager = Permissions::all().without(Permission::CoreAdmin);
        assert_eq!(permissions(Some(picker), Some(manager)), picker);
        assert_eq!(
            permissions(Some(manager), Some(picker)),
            picker,
            "nobody gains by logging in on a stronger device"
        );
        assert_eq!(permissions(None, Some(manager)), manager);
        assert_eq!(permissions(Some(picker), None), picker);
        assert_eq!(permissions(None, None), Permissions::NONE);
    }
}
