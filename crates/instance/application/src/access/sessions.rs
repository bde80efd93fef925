//! Login and sessions.
//!
//! A login runs in three steps so that the slow hash never holds a database connection:
//! [`SessionService::begin_login`] (throttling, finding the user; database),
//! [`LoginAttempt::verify`] (argon2; no I/O, on the hashing pool), and
//! [`SessionService::finish_login`] (the session, or the failure counted; database).
//!
//! A wrong password and an unknown (or inactive) user get the same 401 `invalid_credentials`
//! after the same work: an unknown user's password is verified against a decoy hash made with
//! the same parameters, and the failure is counted the same way.
//!
//! Failures are counted in the database, per user and per address, so that every process
//! serving the database sees the same count. More than `max_user_failures` for one username or
//! `max_address_failures` from one address within `failure_window` are refused with 429 and
//! the seconds until the oldest failure leaves the window, before any hashing.
//!
//! A session token reads `ecks_<43 base64url characters>` (32 random bytes); only its SHA-256
//! is stored. A session ends at its absolute end, after `idle` without a request, at logout,
//! and when its user is made inactive or gets a new password.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use eckwms_domain::UserId;
use eckwms_domain::access::Username;
use eckwms_domain::access::role::effective;
use sha2::{Digest, Sha256};

use super::Actor;
use super::passwords::Passwords;
use crate::common::RequestMeta;
use crate::error::{AppError, AppResult, ProblemCode};
use crate::ports::{
    AuditRepository, Clock, LoginUser, NewSession, SecretSource, SessionRepository, User,
    UserRepository,
};

/// The prefix of session tokens.
pub const SESSION_PREFIX: &str = "ecks_";
const TOKEN_BYTES: usize = 32;
/// `last_seen_at` is written at most this often per session.
const TOUCH_INTERVAL_SECS: i64 = 60;

/// How long sessions live and how failed logins are throttled (`[auth]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionSettings {
    /// A session ends this long after it began.
    pub absolute: Duration,
    /// A session ends after this long without a request.
    pub idle: Duration,
    /// Failed logins counted over this window.
    pub failure_window: Duration,
    /// Failed logins for one username within the window before logins for it are refused.
    pub max_user_failures: u32,
    /// Failed logins from one address within the window before its logins are refused.
    pub max_address_failures: u32,
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self {
            absolute: Duration::hours(12),
            idle: Duration::minutes(30),
            failure_window: Duration::minutes(15),
            max_user_failures: 5,
            max_address_failures: 30,
        }
    }
}

/// A login between its steps.
#[derive(Clone, Debug)]
pub struct LoginAttempt {
    username_key: String,
    found: Option<LoginUser>,
}

impl LoginAttempt {
    /// Whether `password` is the user's (argon2, slow on purpose; no I/O). An unknown user's
    /// attempt costs the same and is false.
    pub fn verify(&self, passwords: &Passwords, password: &str) -> bool {
        match &self.found {
            Some(found) => passwords.verify(&found.password_hash, password),
            None => passwords.verify_decoy(password),
        }
    }
}

/// A session just begun: the token (shown once) and its user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedIn {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: User,
    pub actor: Actor,
}

#[derive(Clone)]
pub struct SessionService {
    sessions: Arc<dyn SessionRepository>,
    users: Arc<dyn UserRepository>,
    audit: Arc<dyn AuditRepository>,
    clock: Arc<dyn Clock>,
    secrets: Arc<dyn SecretSource>,
    settings: SessionSettings,
}

/// The SHA-256 (hex) of a session token: what is stored.
fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The CSRF token of a session: what a cookie-authenticated change must send in
/// `X-CSRF-Token`. Derived from the session token (a page can be given it; a cross-site page
/// cannot read it, nor the cookie it comes from).
pub fn csrf_token(session_token: &str) -> String {
    hex::encode(Sha256::digest(
        format!("eckwms-csrf\n{session_token}").as_bytes(),
    ))
}

fn invalid_credentials() -> AppError {
    AppError::refused(
        ProblemCode::InvalidCredentials,
        "the username or the password is wrong",
    )
}

fn session_expired() -> AppError {
    AppError::refused(
        ProblemCode::Unauthenticated,
        "the session has ended (logged out, expired or idle too long); log in again",
    )
}

fn user_subject(key: &str) -> String {
    format!("user:{key}")
}

fn address_subject(address: &str) -> String {
    format!("address:{address}")
}

impl SessionService {
    pub fn new(
        sessions: Arc<dyn SessionRepository>,
        users: Arc<dyn UserRepository>,
        audit: Arc<dyn AuditRepository>,
        clock: Arc<dyn Clock>,
        secrets: Arc<dyn SecretSource>,
        settings: SessionSettings,
    ) -> Self {
        Self {
            sessions,
            users,
            audit,
            clock,
            secrets,
            settings,
        }
    }

    pub fn settings(&self) -> SessionSettings {
        self.settings
    }

    /// Step one of a login: refuses a throttled username or address (429), then finds the user.
    /// Any username text is taken: one that is no valid username finds nobody.
    pub fn begin_login(&self, username: &str, meta: &RequestMeta) -> AppResult<LoginAttempt> {
        let username_key = Username::new("username", username)
            .map(|u| u.key())
            .unwrap_or_else(|_| username.to_lowercase());
        let now = self.clock.now();
        let since = now - self.settings.failure_window;
        let mut checks = vec![(user_subject(&username_key), self.settings.max_user_failures)];
        if let Some(address) = &meta.address {
            checks.push((address_subject(address), self.settings.max_address_failures));
        }
        for (subject, max) in checks {
            let (count, oldest) = self.sessions.failed_logins(&subject, since)?;
            if count >= max {
                let free_at = oldest.unwrap_or(now) + self.settings.failure_window;
                let retry_after = (free_at - now).num_seconds().max(1) as u64;
                let entry = meta.audit(
                    "login_throttled",
                    &*self.clock,
                    Some(format!("username:{username_key}")),
                    Some(serde_json::json!({"counted": subject, "failures": count})),
                );
                self.audit.record_audit(&entry)?;
                crate::metrics::login_failed("throttled");
                return Err(AppError::Throttled {
                    retry_after,
                    message: format!("too many failed logins; try again in {retry_after} seconds"),
                });
            }
        }
        let found = self.users.find_login(&username_key)?;
        Ok(LoginAttempt {
            username_key,
            found,
        })
    }

    /// Step three of a login: a session when the password was right and the user is active;
    /// else the failure is counted and the answer is 401 `invalid_credentials`, the same for
    /// every cause.
    pub fn finish_login(
        &self,
        attempt: LoginAttempt,
        verified: bool,
        meta: &RequestMeta,
    ) -> AppResult<LoggedIn> {
        let subject = user_subject(&attempt.username_key);
        let found = attempt.found.filter(|f| verified && f.user.active);
        let Some(found) = found else {
            let mut subjects = vec![subject];
            if let Some(address) = &meta.address {
                subjects.push(address_subject(address));
            }
            let entry = meta.audit(
                "login_failed",
                &*self.clock,
                Some(format!("username:{}", attempt.username_key)),
                None,
            );
            self.sessions
                .record_failed_login(&subjects, entry.at, &entry)?;
            crate::metrics::login_failed("invalid_credentials");
            return Err(invalid_credentials());
        };
        let mut bytes = [0u8; TOKEN_BYTES];
        self.secrets.fill(&mut bytes)?;
        let token = format!("{SESSION_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
        let now = self.clock.now();
        let expires_at = now + self.settings.absolute;
        let user = found.user;
        let actor = Actor::user(
            user.id,
            user.username.clone(),
            user.role.clone(),
            effective(&user.role, found.permissions),
        )
        .with_language(user.language);
        let session = NewSession {
            token_hash: token_hash(&token),
            user_id: user.id,
            user_version: user.version,
            created_at: now,
            expires_at,
            address: meta.address.clone(),
        };
        let mut entry = meta.audit(
            "login_succeeded",
            &*self.clock,
            Some(format!("user:{}", user.id)),
            None,
        );
        entry.actor = Some(actor.ledger_name());
        self.sessions.create_session(&session, &subject, &entry)?;
        let mut user = user;
        user.last_login_at = Some(now);
        Ok(LoggedIn {
            token,
            expires_at,
            user,
            actor,
        })
    }

    /// Whether a presented token has the form of a session token (and not of an API key).
    pub fn is_session_token(presented: &str) -> bool {
        presented.starts_with(SESSION_PREFIX)
    }

    /// The actor of a session token: its user with their role's permissions, read now (a role
    /// changed a moment ago applies at once). Ended, expired, idle and unknown sessions, and
    /// inactive users, are 401.
    pub fn authenticate(&self, token: &str) -> AppResult<Actor> {
        let hash = token_hash(token);
        let record = self
            .sessions
            .find_session(&hash)?
            .ok_or_else(session_expired)?;
        let now = self.clock.now();
        if now >= record.expires_at
            || now - record.last_seen_at >= self.settings.idle
            || !record.user.active
        {
            return Err(session_expired());
        }
        if now - record.last_seen_at >= Duration::seconds(TOUCH_INTERVAL_SECS) {
            self.sessions.touch_session(&hash, now)?;
        }
        let user = record.user;
        Ok(Actor::user(
            user.id,
            user.username,
            user.role.clone(),
            effective(&user.role, record.permissions),
        )
        .with_language(user.language))
    }

    /// Ends the session of `token`.
    pub fn logout(&self, token: &str, meta: &RequestMeta) -> AppResult<()> {
        let entry = meta.audit("logout", &*self.clock, None, None);
        self.sessions.end_session(&token_hash(token), &entry)?;
        Ok(())
    }

    /// Deletes ended sessions and failed logins older than the window (maintenance).
    pub fn purge(&self) -> AppResult<(u64, u64)> {
        let now = self.clock.now();
        let sessions = self
            .sessions
            .purge_sessions(now, now - self.settings.idle)?;
        let failures = self
            .sessions
            .purge_failed_logins(now - self.settings.failure_window)?;
        Ok((sessions, failures))
    }

    /// The user id of a session actor.
    pub fn user_of(actor: &Actor) -> Option<UserId> {
        match actor.who() {
            super::Who::User { id, .. } => Some(*id),
            _ => None,
        }
    }
}
