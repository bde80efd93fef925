//! The devices wing: scanners pair with this instance (a challenge, then a registration signed
//! over it, reference section 4 with the server's nonce), admins approve, block, rename, give
//! roles to and remove them, their signed requests are authenticated, and operators log in on
//! them with a PIN (`operators.rs`).
//!
//! The protocol (messages, keys, signatures, refusals) is `eckwms-device-protocol`'s, the same
//! the global service speaks; what this instance keeps of a device, and who may change it, is
//! this wing's.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use eckwms_device_protocol::{
    DeviceSignature, REQUEST_WINDOW_SECS, SignatureRefusal, SignedHeaders, check_registration,
    is_nonce, new_nonce, registration_message,
};
use eckwms_domain::access::role::effective;
use eckwms_domain::access::{Permission, Permissions};
use eckwms_domain::devices::{Device, DeviceId, DevicePublicKey, DeviceStatus, permissions};
use eckwms_domain::{FieldError, Name};
use eckwms_memo::Memo;
use sha2::{Digest, Sha256};

use crate::access::{Actor, SessionSettings};
use crate::common::{Page, RequestMeta, paginate};
use crate::error::{AppError, AppResult, ProblemCode};
use crate::labels::LabelService;
use crate::ports::{
    AuditRepository, Clock, DeviceFilter, DevicePatch, DeviceRegistration, DeviceRepository,
    Expected, PageQuery, RoleRepository, SecretSource, SessionRepository, Signer, ThisInstance,
    User, UserRepository,
};

mod operators;

pub use operators::{OperatorAttempt, OperatorLoggedIn, OperatorName};

/// How long a challenge nonce can be used.
pub const CHALLENGE_TTL_SECS: i64 = 300;
/// `last_seen_at` is written at most this often per device.
const TOUCH_INTERVAL_SECS: i64 = 60;

/// The signature headers of a scanner's request, and what they sign.
#[derive(Clone, Copy, Debug)]
pub struct DeviceRequest<'a> {
    pub headers: &'a SignedHeaders,
    pub method: &'a str,
    pub path_and_query: &'a str,
    pub body: &'a [u8],
}

/// What a signed request may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignedUse {
    /// Whether a device that is not `active` may make it (its status poll).
    pub any_status: bool,
    /// Whether its signature is accepted once only: every write but a scan (a scan's `msg_id`
    /// makes a repeat harmless, and the scan path stays one read lighter).
    pub once: bool,
}

/// What the hourly purge deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DevicePurge {
    pub challenges: u64,
    pub signatures: u64,
    /// Operators idle for longer than `operator_idle`.
    pub operators: u64,
}

/// How long an operator stays logged in on a scanner, and how failed logins are throttled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceSettings {
    /// An operator is logged out after this long without a request of the scanner.
    pub operator_idle: Duration,
    /// The throttling of password logins, which operator logins share (`[auth]`).
    pub logins: SessionSettings,
}

impl Default for DeviceSettings {
    fn default() -> Self {
        Self {
            operator_idle: Duration::minutes(30),
            logins: SessionSettings::default(),
        }
    }
}

/// A registration as received, not yet validated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RegisterDeviceInput {
    pub device_id: String,
    pub device_name: String,
    pub device_public_key: String,
    pub nonce: String,
    pub signature: String,
    /// Required when the device is known with another key: the old key's signature of the
    /// same message.
    pub old_key_signature: Option<String>,
    /// The instance the device means to pair with (from the pairing QR); when given, it must
    /// be this one.
    pub instance_id: Option<String>,
}

/// A stored registration and the instance it is with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registered {
    pub device: Device,
    pub instance_id: String,
}

/// An admin's change as asked for; `None` keeps the value (`role: Some(None)` takes the role
/// away).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DevicePatchInput {
    pub name: Option<String>,
    pub status: Option<String>,
    pub role: Option<Option<String>>,
}

/// What the devices wing uses.
#[derive(Clone)]
pub struct DevicePorts {
    pub devices: Arc<dyn DeviceRepository>,
    /// Roles given to devices, and what they grant.
    pub roles: Arc<dyn RoleRepository>,
    pub instance: Arc<dyn ThisInstance>,
    /// The people who log in on scanners.
    pub users: Arc<dyn UserRepository>,
    /// Failed logins, counted with the password logins'.
    pub logins: Arc<dyn SessionRepository>,
    /// Entries of events that change nothing else (a throttled login).
    pub audit: Arc<dyn AuditRepository>,
    /// Reads badges.
    pub decoder: Arc<eckwms_codes::Decoder>,
    pub clock: Arc<dyn Clock>,
    pub secrets: Arc<dyn SecretSource>,
}

#[derive(Clone)]
pub struct DeviceService {
    ports: DevicePorts,
    settings: DeviceSettings,
    memory: Arc<SignerMemory>,
}

/// Scanners without an operator whose signed request this process accepted lately, by device
/// id, as read then (key, status, role's permissions).
///
/// A scanner's next request that is no write (a scan, a read) is checked against it: the
/// signature with the remembered key, the time, the status; no call to the database, so the
/// HTTP layer needs no trip to a blocking thread for it. An entry is read again once it is
/// `keep` old, or when `last_seen_at` is due to be written. A change through this process
/// (approve, block, a new role, a new key, removal, an operator's login) forgets the device at
/// once; through another process (several serve one PostgreSQL), and for a change of the
/// role's permissions, this process still acts on the remembered record for at most `keep`
/// (`auth.key_memory_ms`, as for API keys). A scanner with an operator logged in is not kept:
/// like a session, it is read with every request. Only devices whose signature verified are
/// kept, so unknown ids cannot fill the memory. A request the memory cannot answer (a wrong
/// signature, a device not active, a write) takes the database path, which answers it as
/// before.
type SignerMemory = Memo<String, Signer>;

/// Entries beyond this many make the next insert drop the ones too old to use.
const MEMORY_SWEEP: usize = 1024;

/// The subject of a device's audit entries.
fn subject(id: &DeviceId) -> String {
    format!("device:{}", id.as_str())
}

/// A device id from a path or a body; 422 naming `field`.
pub fn device_id(field: &str, text: &str) -> AppResult<DeviceId> {
    DeviceId::parse(text).map_err(|m| AppError::invalid(field, m))
}

/// The 32 hex digits of a UUID written with or without hyphens, in lower case; `None` when
/// `text` is no UUID.
fn uuid_digits(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(|c| *c != '-').collect();
    let hyphens_fit = text.len() == 32
        || (text.len() == 36
            && text
                .char_indices()
                .all(|(i, c)| (c == '-') == matches!(i, 8 | 13 | 18 | 23)));
    (hyphens_fit && digits.len() == 32 && digits.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| digits.to_ascii_lowercase())
}

/// The value of a check, or `None` with its message added to `fields`.
fn take<T>(fields: &mut Vec<FieldError>, field: &str, result: Result<T, String>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(message) => {
            fields.push(FieldError::new(field, message));
            None
        }
    }
}

/// 403 `device_not_active`: the device signed, but may not act (yet).
fn not_active(device: &Device) -> AppError {
    AppError::refused(
        ProblemCode::DeviceNotActive,
        format!(
            "device {} is {}; an admin must set it active",
            device.id.as_str(),
            device.status.as_str()
        ),
    )
}

/// What is kept of an accepted signature: the SHA-256 of the device and the signature (the
/// signature alone names the request; the device keeps two devices' hashes apart).
fn signature_hash(device: &DeviceId, signature: &str) -> String {
    hex::encode(Sha256::digest(
        format!("{}\n{}", device.as_str(), signature.trim()).as_bytes(),
    ))
}

fn status(field: &str, text: &str) -> Result<DeviceStatus, FieldError> {
    DeviceStatus::parse(text).map_err(|m| FieldError::new(field, m))
}

impl DeviceService {
    pub fn new(ports: DevicePorts, settings: DeviceSettings) -> Self {
        Self {
            ports,
            settings,
            memory: Arc::new(SignerMemory::off()),
        }
    }

    /// Keeps scanners whose signature verified in memory for `keep` (see [`SignerMemory`]);
    /// zero (the default of [`DeviceService::new`]) reads the database for every request.
    pub fn remembering_signers_for(mut self, keep: Duration) -> Self {
        self.memory = Arc::new(SignerMemory::new(keep, MEMORY_SWEEP));
        self
    }

    /// Forgets what this process remembers of the device (it changed).
    fn forget(&self, id: &DeviceId) {
        self.memory.forget(id.as_str());
    }

    fn now(&self) -> DateTime<Utc> {
        self.ports.clock.now()
    }

    /// A single-use nonce a device signs into its registration, and its expiry. Public: anyone
    /// may ask (a nonce alone registers nothing).
    pub fn challenge(&self) -> AppResult<(String, DateTime<Utc>)> {
        let mut random = [0u8; 32];
        self.ports.secrets.fill(&mut random)?;
        let nonce = new_nonce(&random);
        let expires_at = self.now() + Duration::seconds(CHALLENGE_TTL_SECS);
        self.ports.devices.create_challenge(&nonce, expires_at)?;
        Ok((nonce, expires_at))
    }

    /// Registers a device, or changes a known one's key (with its old key's signature) or
    /// name. Public: the signature over this instance's nonce is the credential. New devices
    /// are `pending` until an admin sets them `active`; a known device keeps its status and
    /// role.
    pub fn register(
        &self,
        input: &RegisterDeviceInput,
        meta: &RequestMeta,
    ) -> AppResult<Registered> {
        let mut fields = Vec::new();
        let id = take(&mut fields, "deviceId", DeviceId::parse(&input.device_id));
        let key = take(
            &mut fields,
            "devicePublicKey",
            DevicePublicKey::parse(&input.device_public_key),
        );
        let signature = take(
            &mut fields,
            "signature",
            DeviceSignature::parse(&input.signature),
        );
        let old_signature = match &input.old_key_signature {
            Some(s) => take(
                &mut fields,
                "oldKeySignature",
                DeviceSignature::parse(s).map(Some),
            ),
            None => Some(None),
        };
        let nonce = take(
            &mut fields,
            "nonce",
            if is_nonce(&input.nonce) {
                Ok(())
            } else {
                Err("must be a nonce of POST /ECK/API/DEVICE/CHALLENGE".to_owned())
            },
        );
        let instance = match &input.instance_id {
            Some(text) => take(
                &mut fields,
                "instanceId",
                uuid_digits(text)
                    .map(Some)
                    .ok_or_else(|| "must be a UUID".to_owned()),
            ),
            None => Some(None),
        };
        let name = match Name::new("deviceName", input.device_name.clone()) {
            Ok(name) => Some(name),
            Err(e) => {
                fields.push(e);
                None
            }
        };
        let (
            Some(id),
            Some(key),
            Some(signature),
            Some(old_signature),
            Some(()),
            Some(named),
            Some(name),
        ) = (id, key, signature, old_signature, nonce, instance, name)
        else {
            return Err(AppError::Invalid(fields));
        };
        let instance_id = self.ports.instance.instance_id()?;
        if let Some(named) = named
            && uuid_digits(&instance_id).as_deref() != Some(named.as_str())
        {
            // What the global service answers for an instance it does not know: the device was
            // given (or found) the address of another instance.
            return Err(AppError::not_found(
                "instance",
                input.instance_id.as_deref().unwrap_or_default(),
            ));
        }
        let existing = self.ports.devices.find_device(&id)?;
        let message = registration_message(&id, &key, &input.nonce);
        check_registration(
            &message,
            &key,
            &signature,
            existing.as_ref().map(|d| &d.public_key),
            old_signature.as_ref(),
        )?;
        let now = self.now();
        let device = Device::registered(existing.as_ref(), id, name, key, now);
        let detail = match &existing {
            None => "new",
            Some(known) if known.public_key != device.public_key => "key_changed",
            Some(_) => "again",
        };
        let mut audit = meta.audit(
            "device_registered",
            &*self.ports.clock,
            Some(subject(&device.id)),
            Some(serde_json::json!({
                "registration": detail,
                "name": device.name.as_str(),
                "status": device.status.as_str(),
            })),
        );
        // Nobody authenticated: the device itself registers.
        audit.actor = Some(subject(&device.id));
        let stored = self.ports.devices.register_device(
            &DeviceRegistration {
                nonce: input.nonce.clone(),
                expected_version: existing.map(|d| d.version),
                device,
            },
            now,
            &audit,
        )?;
        self.forget(&stored.id);
        tracing::info!(
            device_id = stored.id.as_str(),
            status = stored.status.as_str(),
            registration = detail,
            "device registered"
        );
        Ok(Registered {
            device: stored,
            instance_id,
        })
    }

    /// The permissions the device's role grants (none without a role, or for a role that is
    /// gone).
    fn role_permissions(&self, role: Option<&str>) -> AppResult<Permissions> {
        Ok(match role {
            None => Permissions::NONE,
            Some(name) => self
                .ports
                .roles
                .find_role(name)?
                .map(|r| effective(&r.name, r.permissions))
                .unwrap_or_default(),
        })
    }

    fn find(&self, id: &DeviceId) -> AppResult<Device> {
        self.ports
            .devices
            .find_device(id)?
            .ok_or_else(|| AppError::not_found("device", id.as_str()))
    }

    /// Needs [`Permission::DevicesManage`].
    pub fn list(
        &self,
        actor: &Actor,
        filter: &DeviceFilter,
        page: &PageQuery<DeviceId>,
    ) -> AppResult<Page<Device>> {
        actor.require(Permission::DevicesManage)?;
        paginate(
            page,
            |p| self.ports.devices.list_devices(filter, p),
            |d| d.id.as_str().to_owned(),
        )
    }

    /// Needs [`Permission::DevicesManage`].
    pub fn get(&self, actor: &Actor, id: &DeviceId) -> AppResult<Device> {
        actor.require(Permission::DevicesManage)?;
        self.find(id)
    }

    /// Approves (`active`), blocks, sends back to `pending`, renames, or gives a role to (or
    /// takes it from) a device. Needs [`Permission::DevicesManage`], every permission the
    /// device's role grants now (nobody takes over what they could not give), and every
    /// permission of a role given.
    pub fn update(
        &self,
        id: &DeviceId,
        expected: Expected,
        input: &DevicePatchInput,
        meta: &RequestMeta,
    ) -> AppResult<Device> {
        meta.actor.require(Permission::DevicesManage)?;
        let mut fields = Vec::new();
        let name = match input.name.clone().map(|n| Name::new("name", n)).transpose() {
            Ok(name) => name,
            Err(e) => {
                fields.push(e);
                None
            }
        };
        let status = match input
            .status
            .as_deref()
            .map(|s| status("status", s))
            .transpose()
        {
            Ok(status) => status,
            Err(e) => {
                fields.push(e);
                None
            }
        };
        if !fields.is_empty() {
            return Err(AppError::Invalid(fields));
        }
        let current = self.find(id)?;
        meta.actor
            .require_all(self.role_permissions(current.role.as_deref())?)?;
        if let Some(Some(role)) = &input.role {
            let granted = self
                .ports
                .roles
                .find_role(role)?
                .map(|r| effective(&r.name, r.permissions))
                .ok_or_else(|| AppError::invalid("role", format!("there is no role {role:?}")))?;
            meta.actor.require_all(granted)?;
        }
        let patch = DevicePatch {
            name,
            status,
            role: input.role.clone(),
        };
        let event = match patch.status {
            Some(DeviceStatus::Active) if current.status != DeviceStatus::Active => {
                "device_activated"
            }
            Some(DeviceStatus::Blocked) if current.status != DeviceStatus::Blocked => {
                "device_blocked"
            }
            _ => "device_changed",
        };
        let audit = meta.audit(
            event,
            &*self.ports.clock,
            Some(subject(id)),
            Some(serde_json::json!({
                "status": patch.status.map(DeviceStatus::as_str),
                "role": patch.role,
                "name": patch.name.is_some(),
            })),
        );
        let device = self.ports.devices.update_device(
            id,
            expected,
            &patch,
            audit.at,
            &audit,
            meta.idempotency.clone(),
        )?;
        self.forget(&device.id);
        tracing::info!(
            device_id = device.id.as_str(),
            status = device.status.as_str(),
            event,
            "device changed"
        );
        Ok(device)
    }

    /// Removes a device: it may register anew (with any key) and starts `pending`. Needs
    /// [`Permission::DevicesManage`] and every permission the device's role grants.
    pub fn delete(&self, id: &DeviceId, expected: Expected, meta: &RequestMeta) -> AppResult<()> {
        meta.actor.require(Permission::DevicesManage)?;
        let current = self.find(id)?;
        meta.actor
            .require_all(self.role_permissions(current.role.as_deref())?)?;
        let audit = meta.audit(
            "device_deleted",
            &*self.ports.clock,
            Some(subject(id)),
            Some(serde_json::json!({"name": current.name.as_str()})),
        );
        self.ports
            .devices
            .delete_device(id, expected, &audit, meta.idempotency.clone())?;
        self.forget(id);
        tracing::info!(device_id = id.as_str(), "device removed");
        Ok(())
    }

    /// The actor of a scanner's signed request. The signature must verify with the key of the
    /// device it names, at a time within the window of the clock (401
    /// `invalid_device_signature`, `stale_device_signature`); the device must be `active`
    /// unless `rules.any_status` (403 `device_not_active`, and nothing is written); a write's
    /// signature is accepted once (409 `signature_replayed`). Its permissions are its role's
    /// (none without one); with an operator logged in on it (active, not idle), the operator's
    /// role's, limited to the device's role's.
    pub fn authenticate(&self, request: &DeviceRequest<'_>, rules: SignedUse) -> AppResult<Actor> {
        match self.authenticate_from_memory(request, rules) {
            Some(answer) => answer,
            None => self.authenticate_from_database(request, rules),
        }
    }

    /// [`DeviceService::authenticate`] without the database (see [`SignerMemory`]): the actor
    /// of a request that is no write, signed by a scanner remembered as active whose
    /// `last_seen_at` need not be written yet; `None` for any other request, which
    /// [`DeviceService::authenticate_from_database`] answers. It does no I/O, so it may run on
    /// an async thread.
    pub fn authenticate_from_memory(
        &self,
        request: &DeviceRequest<'_>,
        rules: SignedUse,
    ) -> Option<AppResult<Actor>> {
        if rules.once || !self.memory.is_on() {
            return None;
        }
        let credentials = request.headers.parse().ok()?;
        let now = self.now();
        credentials.check_time(now).ok()?;
        let signer = self.memory.recall(credentials.device_id.as_str(), now)?;
        credentials
            .verify(
                &signer.device.public_key,
                request.method,
                request.path_and_query,
                request.body,
            )
            .ok()?;
        if !rules.any_status && !signer.device.is_active() {
            return None;
        }
        // Remembered scanners have no operator (see `authenticate_from_database`).
        let (device_due, _) = self.seen(&signer, now);
        if device_due || signer.operator.is_some() {
            return None;
        }
        Some(Ok(self.actor_with(
            &signer.device,
            signer.role_permissions,
            None,
        )))
    }

    /// Whether the device's `last_seen_at` is due to be written at `now`, and its operator
    /// (logged in, active, not idle) with whether theirs is.
    fn seen<'s>(
        &self,
        signer: &'s Signer,
        now: DateTime<Utc>,
    ) -> (bool, Option<(&'s crate::ports::Operator, bool)>) {
        let touch = Duration::seconds(TOUCH_INTERVAL_SECS);
        let device_due = signer
            .device
            .last_seen_at
            .is_none_or(|at| now - at >= touch);
        // An operator idle too long (or made inactive) is logged out: the purge deletes them.
        let operator = signer
            .operator
            .as_ref()
            .filter(|o| o.user.active && now - o.last_seen_at < self.settings.operator_idle)
            .map(|o| (o, now - o.last_seen_at >= touch));
        (device_due, operator)
    }

    /// [`DeviceService::authenticate`] reading the device from the database; a scanner it
    /// accepts is remembered (see [`SignerMemory`]).
    pub fn authenticate_from_database(
        &self,
        request: &DeviceRequest<'_>,
        rules: SignedUse,
    ) -> AppResult<Actor> {
        let credentials = request.headers.parse()?;
        let now = self.now();
        credentials.check_time(now)?;
        let mut signer = self
            .ports
            .devices
            .find_signer(&credentials.device_id)?
            .ok_or(SignatureRefusal::Invalid)?;
        credentials.verify(
            &signer.device.public_key,
            request.method,
            request.path_and_query,
            request.body,
        )?;
        if !rules.any_status && !signer.device.is_active() {
            return Err(not_active(&signer.device));
        }
        if rules.once {
            let hash = signature_hash(&signer.device.id, &request.headers.signature);
            // It cannot be accepted once its timestamp has left the window.
            let expires_at =
                DateTime::from_timestamp(credentials.timestamp + REQUEST_WINDOW_SECS, 0)
                    .unwrap_or(now + Duration::seconds(2 * REQUEST_WINDOW_SECS));
            if !self.ports.devices.record_signature(&hash, expires_at)? {
                return Err(AppError::refused(
                    ProblemCode::SignatureReplayed,
                    "this signed request was accepted before; a scanner signs every request \
                     anew (a new X-Device-Timestamp)",
                ));
            }
        }
        let (device_due, operator) = self.seen(&signer, now);
        let operator_due = operator.is_some_and(|(_, due)| due);
        let logged_in = operator.is_some();
        if device_due {
            self.ports.devices.touch_device(&signer.device.id, now)?;
            signer.device.last_seen_at = Some(now);
        }
        if operator_due {
            self.ports.devices.touch_operator(&signer.device.id, now)?;
        }
        if let Some(o) = signer.operator.as_mut() {
            if operator_due {
                o.last_seen_at = now;
            }
            if !logged_in {
                // Idle or inactive: not the actor's, and not to be remembered as theirs.
                signer.operator = None;
            }
        }
        let actor = self.actor_with(
            &signer.device,
            signer.role_permissions,
            signer.operator.as_ref().map(|o| (&o.user, o.permissions)),
        );
        // A scanner with an operator is read with every request, as a session is: the
        // operator's logout, deactivation or new PIN takes effect at once, in every process.
        if signer.operator.is_none() {
            self.memory
                .remember(signer.device.id.as_str().to_owned(), signer, now);
        }
        Ok(actor)
    }

    /// What a scanner acts with: its role's permissions, and with an operator theirs limited
    /// to the scanner's (effective: a role that holds everything holds what is added later).
    /// The role named in refusals says both.
    fn actor_with(
        &self,
        device: &Device,
        role_permissions: Option<Permissions>,
        operator: Option<(&User, Permissions)>,
    ) -> Actor {
        let device_role = device.role.as_deref();
        let granted = device_role.map(|name| effective(name, role_permissions.unwrap_or_default()));
        let operator_granted = operator.map(|(user, stored)| effective(&user.role, stored));
        let role = match (operator, device_role) {
            (Some((user, _)), Some(limit)) => {
                format!("{} (on a scanner limited to {limit})", user.role)
            }
            (Some((user, _)), None) => user.role.clone(),
            (None, Some(role)) => role.to_owned(),
            (None, None) => "none".to_owned(),
        };
        Actor::device(
            device.id.clone(),
            operator.map(|(user, _)| (user.id, user.username.clone())),
            role,
            permissions(granted, operator_granted),
        )
        .with_language(operator.and_then(|(user, _)| user.language))
    }

    /// The actor of a scan the device sent through the global service's relay (which checked
    /// its signature with the key this instance published): the device as a signed request
    /// of it would act now, with its operator if one is logged in (active, not idle). A device
    /// unknown here, or not `active`, is refused with 403 `device_not_active`. Nothing is
    /// written (not `last_seen_at`: the scan may be old).
    pub fn relayed_actor(&self, id: &str) -> AppResult<Actor> {
        let unknown = || {
            AppError::refused(
                ProblemCode::DeviceNotActive,
                format!("device {id} is not known here"),
            )
        };
        let id = DeviceId::parse(id).map_err(|_| unknown())?;
        let signer = self.ports.devices.find_signer(&id)?.ok_or_else(unknown)?;
        if !signer.device.is_active() {
            return Err(not_active(&signer.device));
        }
        let (_, operator) = self.seen(&signer, self.now());
        Ok(self.actor_with(
            &signer.device,
            signer.role_permissions,
            operator.map(|(o, _)| (&o.user, o.permissions)),
        ))
    }

    /// What a scanner learns of itself (its status poll while it waits for an admin): only
    /// the device that signed may ask (401 `invalid_device_signature` for another).
    pub fn status(&self, actor: &Actor, id: &DeviceId) -> AppResult<Device> {
        if actor.device_id() != Some(id) {
            return Err(AppError::refused(
                ProblemCode::InvalidDeviceSignature,
                format!(
                    "a device asks for its own status: this request is not signed by {}",
                    id.as_str()
                ),
            ));
        }
        self.find(id)
    }

    /// Deletes expired challenges, the recorded signatures that can no longer be accepted and
    /// the operators idle too long (maintenance; the server's housekeeping runs it).
    pub fn purge(&self) -> AppResult<DevicePurge> {
        let now = self.now();
        Ok(DevicePurge {
            challenges: self.ports.devices.purge_challenges(now)?,
            signatures: self.ports.devices.purge_signatures(now)?,
            operators: self
                .ports
                .devices
                .purge_operators(now - self.settings.operator_idle)?,
        })
    }
}

/// The instance a device registers with is the one of the pairing QR, which the labels wing
/// keeps (made on first use).
impl ThisInstance for LabelService {
    fn instance_id(&self) -> AppResult<String> {
        Ok(self.identity()?.instance_id)
    }
}

#[cfg(test)]
mod tests;
