//! Devices: challenges, registration (reference section 4 plus the server's nonce), request
//! signatures, and the operator's decisions.

use eckwms_problems::ProblemCode;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use eckwms_device_protocol::{
    DeviceId, DevicePublicKey, DeviceSignature, DeviceStatus, SignatureRefusal, SignedHeaders,
    check_registration, is_nonce, new_nonce, registration_message,
};
use eckwms_global_domain::device::{Device, status_after_registration};
use eckwms_global_domain::secret::SecretHash;
use eckwms_global_domain::{InstanceId, InstanceStatus, Validation};

use crate::error::{AppError, AppResult};
use crate::ports::{Clock, DeviceRegistration, DeviceRepository, InstanceRepository, SecretSource};

/// How long a challenge nonce can be used.
pub const CHALLENGE_TTL_SECS: i64 = 300;

/// A registration request as received.
#[derive(Clone, Debug, Default)]
pub struct RegisterDevice {
    pub instance_id: String,
    pub device_id: String,
    pub device_name: String,
    pub device_public_key: String,
    pub nonce: String,
    pub signature: String,
    /// Required when the device exists with another key: the old key's signature of the same
    /// message.
    pub old_key_signature: Option<String>,
}

/// The signature headers of a device's request, and what they sign.
#[derive(Clone, Debug)]
pub struct SignedRequest<'a> {
    pub headers: &'a SignedHeaders,
    pub method: &'a str,
    pub path_and_query: &'a str,
    pub body: &'a [u8],
}

#[derive(Clone)]
pub struct DeviceService {
    devices: Arc<dyn DeviceRepository>,
    instances: Arc<dyn InstanceRepository>,
    clock: Arc<dyn Clock>,
    secrets: Arc<dyn SecretSource>,
}

impl DeviceService {
    pub fn new(
        devices: Arc<dyn DeviceRepository>,
        instances: Arc<dyn InstanceRepository>,
        clock: Arc<dyn Clock>,
        secrets: Arc<dyn SecretSource>,
    ) -> Self {
        Self {
            devices,
            instances,
            clock,
            secrets,
        }
    }

    /// A single-use nonce a device must sign into its registration, and its expiry.
    pub fn challenge(&self) -> AppResult<(String, DateTime<Utc>)> {
        let nonce = new_nonce(&self.secrets.random()?);
        let expires_at = self.clock.now() + Duration::seconds(CHALLENGE_TTL_SECS);
        self.devices
            .create_challenge(&SecretHash::of(&nonce), expires_at)?;
        Ok((nonce, expires_at))
    }

    /// Registers a device, or changes a known one's key (with its old key's signature) or name.
    /// New devices start `pending`; a known device keeps its status unless it moves to another
    /// instance (then `pending` again).
    pub fn register(&self, input: &RegisterDevice) -> AppResult<Device> {
        let mut v = Validation::new();
        let instance_id = v.check("instanceId", InstanceId::parse(&input.instance_id));
        let device_id = v.check("deviceId", DeviceId::parse(&input.device_id));
        let name = input.device_name.trim();
        if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
            v.push(
                "deviceName",
                "must be 1 to 200 characters, no control characters",
            );
        }
        let key = v.check(
            "devicePublicKey",
            DevicePublicKey::parse(&input.device_public_key),
        );
        if !is_nonce(&input.nonce) {
            v.push(
                "nonce",
                "must be a nonce issued by POST /ECK/API/DEVICE/CHALLENGE",
            );
        }
        let signature = v.check("signature", DeviceSignature::parse(&input.signature));
        let old_signature = match &input.old_key_signature {
            Some(s) => v.check("oldKeySignature", DeviceSignature::parse(s)),
            None => None,
        };
        v.finish().map_err(AppError::Invalid)?;
        let (Some(instance_id), Some(device_id), Some(key), Some(signature)) =
            (instance_id, device_id, key, signature)
        else {
            return Err(AppError::invalid("body", "invalid"));
        };
        let instance = self
            .instances
            .find(&instance_id)?
            .filter(|s| s.instance.status == InstanceStatus::Active)
            .ok_or_else(|| AppError::not_found("instance", instance_id))?;
        let existing = self.devices.find_device(&device_id)?;
        let message = registration_message(&device_id, &key, &input.nonce);
        check_registration(
            &message,
            &key,
            &signature,
            existing.as_ref().map(|d| &d.public_key),
            old_signature.as_ref(),
        )?;
        let now = self.clock.now();
        let device = Device {
            id: device_id,
            instance_id: instance.instance.id,
            name: name.to_owned(),
            public_key: key,
            status: status_after_registration(existing.as_ref(), instance.instance.id),
            registered_at: existing.as_ref().map_or(now, |d| d.registered_at),
            updated_at: now,
        };
        let stored = self.devices.register_device(&DeviceRegistration {
            nonce_hash: SecretHash::of(&input.nonce),
            expected_key: existing.map(|d| d.public_key),
            device,
        })?;
        tracing::info!(device_id = stored.id.as_str(), instance_id = %stored.instance_id, status = stored.status.as_str(), "device registered");
        Ok(stored)
    }

    /// The device that signed this request. Any status: callers decide what it may do.
    pub fn authenticate(&self, request: &SignedRequest<'_>) -> AppResult<Device> {
        let credentials = request.headers.parse()?;
        credentials.check_time(self.clock.now())?;
        let device = self
            .devices
            .find_device(&credentials.device_id)?
            .ok_or(SignatureRefusal::Invalid)?;
        credentials.verify(
            &device.public_key,
            request.method,
            request.path_and_query,
            request.body,
        )?;
        Ok(device)
    }

    /// The device, if it is active (`Forbidden` `device_not_active` otherwise).
    pub fn require_active(device: &Device) -> AppResult<()> {
        if device.status == DeviceStatus::Active {
            Ok(())
        } else {
            Err(AppError::refused(
                ProblemCode::DeviceNotActive,
                format!(
                    "this device is {}; an operator must set it active",
                    device.status.as_str()
                ),
            ))
        }
    }

    pub fn list(&self, instance: Option<InstanceId>) -> AppResult<Vec<Device>> {
        self.devices.list_devices(instance)
    }

    pub fn set_status(&self, id: &str, status: DeviceStatus) -> AppResult<Device> {
        let id = DeviceId::parse(id).map_err(|m| AppError::invalid("id", m))?;
        let device = self
            .devices
            .set_device_status(&id, status, self.clock.now())?;
        tracing::info!(
            device_id = device.id.as_str(),
            status = status.as_str(),
            "device status set"
        );
        Ok(device)
    }

    /// Removes a device: it may register again (with any key) and starts `pending`.
    pub fn remove(&self, id: &str) -> AppResult<()> {
        let id = DeviceId::parse(id).map_err(|m| AppError::invalid("id", m))?;
        self.devices.delete_device(&id)?;
        tracing::info!(device_id = id.as_str(), "device removed");
        Ok(())
    }

    pub fn purge_challenges(&self) -> AppResult<u64> {
        self.devices.purge_challenges(self.clock.now())
    }
}
