//! A registered device as the global service keeps it: the values of the device protocol
//! (`eckwms-device-protocol`: ids, keys, signatures, the registration message, signed requests)
//! plus the instance it belongs to.

use chrono::{DateTime, Utc};
use eckwms_device_protocol::{DeviceId, DevicePublicKey, DeviceStatus};

use crate::instance::InstanceId;

/// A registered device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    pub id: DeviceId,
    pub instance_id: InstanceId,
    pub name: String,
    pub public_key: DevicePublicKey,
    pub status: DeviceStatus,
    pub registered_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The status of a device after it (re-)registers for `instance`: a known device keeps its
/// status when it stays with its instance; a new device, or one that moves to another
/// instance, is `pending` (an operator of that instance decides).
pub fn status_after_registration(existing: Option<&Device>, instance: InstanceId) -> DeviceStatus {
    match existing {
        Some(device) if device.instance_id == instance => device.status,
        _ => DeviceStatus::Pending,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn device(instance: &str, status: DeviceStatus) -> Device {
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
        Device {
            id: DeviceId::parse("PDA-7").unwrap(),
            instance_id: InstanceId::parse(instance).unwrap(),
            name: "PDA".into(),
            public_key: DevicePublicKey::parse("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
                .unwrap(),
            status,
            registered_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn a_device_keeps_its_status_only_with_its_instance() {
        let a = "0b0e6f3a-1234-4abc-8def-0123456789ab";
        let b = "0b0e6f3a-1234-4abc-8def-0123456789ac";
        let here = InstanceId::parse(a).unwrap();
        assert_eq!(status_after_registration(None, here), DeviceStatus::Pending);
        for status in [
            DeviceStatus::Active,
            DeviceStatus::Blocked,
            DeviceStatus::Pending,
        ] {
            assert_eq!(
                status_after_registration(Some(&device(a, status)), here),
                status
            );
            assert_eq!(
                status_after_registration(Some(&device(b, status)), here),
                DeviceStatus::Pending
            );
        }
    }
}
