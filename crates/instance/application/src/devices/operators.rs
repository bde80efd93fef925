//! Operators on scanners: a person logs in on a scanner with their username or their badge (a
//! label of kind `user`) and their PIN, and the scanner's requests then act for them, limited
//! by the scanner's role.
//!
//! The login runs in the three steps of a password login (`access::sessions`), so that the
//! slow hash never holds a database connection: [`DeviceService::begin_operator_login`]
//! (throttling, finding the user), [`OperatorAttempt::verify`] (argon2 on the hashing pool),
//! [`DeviceService::finish_operator_login`] (the operator, or the failure counted). Failures
//! are counted per user (with their password logins) and per scanner; every failure, an
//! unknown user, a user without a PIN or an inactive one alike, is 401 `invalid_credentials`
//! after the same work.

use eckwms_codes::Scanned;
use eckwms_domain::access::Username;
use eckwms_domain::devices::DeviceId;
use eckwms_domain::{IdKind, UserId};

use super::DeviceService;
use crate::access::Actor;
use crate::access::passwords::Passwords;
use crate::common::RequestMeta;
use crate::error::{AppError, AppResult, ProblemCode};
use crate::ports::{LoginUser, NewOperator, User};

/// Who logs in on a scanner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OperatorName {
    /// A username, in any case.
    Username(String),
    /// The text of a scanned badge: a label of a user's id (ECK label code v2, or v1 as the
    /// first generation printed them), or the id typed.
    Badge(String),
}

/// An operator's login between its steps.
#[derive(Clone, Debug)]
pub struct OperatorAttempt {
    device: DeviceId,
    /// What failures count against: the user's subject (shared with their password logins).
    user_subject: String,
    found: Option<LoginUser>,
}

impl OperatorAttempt {
    /// Whether `pin` is the user's PIN (argon2, slow on purpose; no I/O). An unknown user's
    /// attempt, or one of a user without a PIN, costs the same and is false.
    pub fn verify(&self, passwords: &Passwords, pin: &str) -> bool {
        match self.found.as_ref().and_then(|f| f.pin_hash.as_deref()) {
            Some(hash) => passwords.verify(hash, pin),
            None => passwords.verify_decoy(pin),
        }
    }
}

/// A login on a scanner that succeeded: the operator, and what the scanner now acts with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperatorLoggedIn {
    pub user: User,
    pub actor: Actor,
}

fn invalid_credentials() -> AppError {
    AppError::refused(
        ProblemCode::InvalidCredentials,
        "the user or the PIN is wrong",
    )
}

/// The scanner a request was signed by; only a scanner logs an operator in.
fn signing_device(actor: &Actor) -> AppResult<DeviceId> {
    actor.device_id().cloned().ok_or_else(|| {
        AppError::refused(
            ProblemCode::InvalidDeviceSignature,
            "an operator logs in on a scanner: sign the request with the scanner's key",
        )
    })
}

fn device_subject(device: &DeviceId) -> String {
    format!("device:{}", device.as_str())
}

impl DeviceService {
    /// The user a badge names: its text read as a label (either version) or a typed id of a
    /// user; `None` for anything else.
    fn badge_user(&self, text: &str) -> Option<UserId> {
        let id = match self.ports.decoder.classify(text) {
            Scanned::Label { id, .. } | Scanned::Id(id) => id,
            _ => return None,
        };
        (id.kind() == IdKind::User)
            .then(|| UserId::try_from(id).ok())
            .flatten()
    }

    /// Step one of an operator's login on the scanner that signed: refuses a throttled user or
    /// scanner (429), then finds the user. A name or badge that names nobody finds nobody.
    pub fn begin_operator_login(
        &self,
        who: &OperatorName,
        meta: &RequestMeta,
    ) -> AppResult<OperatorAttempt> {
        let device = signing_device(&meta.actor)?;
        let (user_subject, found) = match who {
            OperatorName::Username(text) => {
                let key = Username::new("username", text)
                    .map(|u| u.key())
                    .unwrap_or_else(|_| text.to_lowercase());
                let found = self.ports.users.find_login(&key)?;
                (format!("user:{key}"), found)
            }
            OperatorName::Badge(text) => match self.badge_user(text) {
                Some(id) => {
                    let found = self.ports.users.find_login_by_id(id)?;
                    let subject = match &found {
                        Some(f) => format!("user:{}", f.user.username.to_lowercase()),
                        None => format!("user:{id}"),
                    };
                    (subject, found)
                }
                None => ("badge:unreadable".to_owned(), None),
            },
        };
        let settings = self.settings.logins;
        let now = self.now();
        let since = now - settings.failure_window;
        for (subject, max) in [
            (user_subject.clone(), settings.max_user_failures),
            (device_subject(&device), settings.max_address_failures),
        ] {
            let (count, oldest) = self.ports.logins.failed_logins(&subject, since)?;
            if count >= max {
                let free_at = oldest.unwrap_or(now) + settings.failure_window;
                let retry_after = (free_at - now).num_seconds().max(1) as u64;
                let entry = meta.audit(
                    "operator_login_throttled",
                    &*self.ports.clock,
                    Some(device_subject(&device)),
                    Some(serde_json::json!({"counted": subject, "failures": count})),
                );
                self.ports.audit.record_audit(&entry)?;
                return Err(AppError::Throttled {
                    retry_after,
                    message: format!("too many failed logins; try again in {retry_after} seconds"),
                });
            }
        }
        Ok(OperatorAttempt {
            device,
            user_subject,
            found,
        })
    }

    /// Step three: the operator logged in on the scanner when the PIN was right and the user
    /// is active; else the failure is counted (for the user and the scanner) and the answer is
    /// 401 `invalid_credentials`, the same for every cause.
    pub fn finish_operator_login(
        &self,
        attempt: OperatorAttempt,
        verified: bool,
        meta: &RequestMeta,
    ) -> AppResult<OperatorLoggedIn> {
        let device = attempt.device;
        let found = attempt
            .found
            .filter(|f| verified && f.user.active && f.pin_hash.is_some());
        let Some(found) = found else {
            let mut entry = meta.audit(
                "operator_login_failed",
                &*self.ports.clock,
                Some(device_subject(&device)),
                Some(serde_json::json!({"counted": attempt.user_subject})),
            );
            entry.actor = Some(device_subject(&device));
            self.ports.logins.record_failed_login(
                &[attempt.user_subject, device_subject(&device)],
                entry.at,
                &entry,
            )?;
            return Err(invalid_credentials());
        };
        let user = found.user;
        let at = self.now();
        let operator = NewOperator {
            device: device.clone(),
            user: user.id,
            user_version: user.version,
            at,
        };
        let mut entry = meta.audit(
            "operator_login_succeeded",
            &*self.ports.clock,
            Some(device_subject(&device)),
            Some(serde_json::json!({"user": user.id.to_string()})),
        );
        let signer = self
            .ports
            .devices
            .find_signer(&device)?
            .ok_or_else(|| AppError::not_found("device", device.as_str()))?;
        let actor = self.actor_with(
            &signer.device,
            signer.role_permissions,
            Some((&user, found.permissions)),
        );
        entry.actor = Some(actor.ledger_name());
        self.ports
            .devices
            .start_operator(&operator, &attempt.user_subject, &entry)?;
        self.forget(&device);
        let mut user = user;
        user.last_login_at = Some(at);
        tracing::info!(device_id = device.as_str(), user = %user.id, "operator logged in");
        Ok(OperatorLoggedIn { user, actor })
    }

    /// Logs out the operator of the scanner that signed (nobody logged in: nothing to do).
    pub fn operator_logout(&self, meta: &RequestMeta) -> AppResult<bool> {
        let device = signing_device(&meta.actor)?;
        let entry = meta.audit(
            "operator_logout",
            &*self.ports.clock,
            Some(device_subject(&device)),
            None,
        );
        let ended = self.ports.devices.end_operator(&device, &entry)?;
        self.forget(&device);
        Ok(ended)
    }
}
