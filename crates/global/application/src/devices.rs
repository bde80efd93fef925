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
use eckwms_global_domain::{Instance, InstanceId, InstanceStatus, Validation};

use crate::error::{AppError, AppResult};
use crate::ports::{
    Clock, DeviceRegistration, DeviceRepository, InstanceRepository, Published, SecretSource,
};

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

/// The most devices one publication may name.
pub const MAX_PUBLISHED: usize = 10_000;

/// One device as its instance publishes it, as received.
#[derive(Clone, Debug, Default)]
pub struct PublishDevice {
    pub device_id: String,
    pub device_name: String,
    pub device_public_key: String,
    /// `pending`, `active` or `blocked`, as the instance decided.
    pub status: String,
}

/// A device name: 1 to 200 characters, not only white space, no control characters.
fn check_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err("must be 1 to 200 characters, no control characters".into());
    }
    Ok(name.to_owned())
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
        let name = v
            .check("deviceName", check_name(&input.device_name))
            .unwrap_or_default();
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
            name,
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

    /// The instance's publication of its devices (the instance is their source of truth):
    /// the records follow it, and the instance's records it does not name become `pending`.
    /// Devices registered for another instance are left alone (reported as skipped).
    pub fn publish(&self, instance: &Instance, input: &[PublishDevice]) -> AppResult<Published> {
        if input.len() > MAX_PUBLISHED {
            return Err(AppError::invalid(
                "devices",
                format!("at most {MAX_PUBLISHED} devices"),
            ));
        }
        let now = self.clock.now();
        let mut v = Validation::new();
        let mut seen = std::collections::HashSet::new();
        let mut devices = Vec::with_capacity(input.len());
        for (i, d) in input.iter().enumerate() {
            let field = |name: &str| format!("devices[{i}].{name}");
            let id = v.check(&field("deviceId"), DeviceId::parse(&d.device_id));
            let name = v.check(&field("deviceName"), check_name(&d.device_name));
            let key = v.check(
                &field("devicePublicKey"),
                DevicePublicKey::parse(&d.device_public_key),
            );
            let status = v.check(&field("status"), DeviceStatus::parse(&d.status));
            if let Some(id) = &id
                && !seen.insert(id.clone())
            {
                v.push(field("deviceId"), "is listed twice");
            }
            if let (Some(id), Some(name), Some(public_key), Some(status)) = (id, name, key, status)
            {
                devices.push(Device {
                    id,
                    instance_id: instance.id,
                    name,
                    public_key,
                    status,
                    registered_at: now,
                    updated_at: now,
                });
            }
        }
        v.finish().map_err(AppError::Invalid)?;
        let published = self.devices.publish_devices(&instance.id, &devices, now)?;
        if published.changed > 0 || published.withdrawn > 0 || !published.skipped.is_empty() {
            tracing::info!(
                instance_id = %instance.id,
                devices = published.devices,
                changed = published.changed,
                withdrawn = published.withdrawn,
                skipped = published.skipped.len(),
                "devices published"
            );
        }
        Ok(published)
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
