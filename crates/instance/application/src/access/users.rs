//! Users: the people who log in. Admin use cases (create, read, change, new secrets) and the
//! hashing of their secrets.
//!
//! Secrets are checked and hashed apart from the rest ([`UserService::hash_secrets`]): hashing
//! is slow on purpose and uses no I/O, so the HTTP adapter runs it on its hashing pool and hands
//! the resulting [`HashedSecrets`] to the use case, which runs with the database.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use eckwms_domain::access::{Permission, Permissions, Username, check_password, check_pin};
use eckwms_domain::{FieldError, Text, UserId};

use eckwms_i18n::Lang;
use eckwms_problems::ProblemCode;

use super::passwords::Passwords;
use super::roles::RoleService;
use super::{Actor, Who};
use crate::common::{Page, RequestMeta, paginate};
use crate::error::{AppError, AppResult};
use crate::ports::{
    Clock, Expected, NewCredentials, NewUser, PageQuery, SecretSource, User, UserPatch,
    UserRepository,
};

/// Secrets checked and hashed: made only by [`UserService::hash_secrets`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HashedSecrets {
    password: Option<String>,
    /// `Some(None)`: remove the PIN.
    pin: Option<Option<String>>,
}

/// A new user as asked for (secrets apart, hashed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewUserInput {
    pub username: String,
    pub display_name: String,
    pub role: String,
}

/// A user change as asked for; `None` keeps the value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserPatchInput {
    pub display_name: Option<String>,
    pub role: Option<String>,
    pub active: Option<bool>,
}

#[derive(Clone)]
pub struct UserService {
    repo: Arc<dyn UserRepository>,
    roles: RoleService,
    clock: Arc<dyn Clock>,
    secrets: Arc<dyn SecretSource>,
}

fn display_name(text: &str) -> Result<String, FieldError> {
    Text::<100>::new("display_name", text).map(Text::into_string)
}

impl UserService {
    pub fn new(
        repo: Arc<dyn UserRepository>,
        roles: RoleService,
        clock: Arc<dyn Clock>,
        secrets: Arc<dyn SecretSource>,
    ) -> Self {
        Self {
            repo,
            roles,
            clock,
            secrets,
        }
    }

    /// A random password of 24 characters (144 bits), for the command line's `user create`
    /// and `user reset-password` when none is given.
    pub fn generate_password(&self) -> AppResult<String> {
        let mut bytes = [0u8; 18];
        self.secrets.fill(&mut bytes)?;
        Ok(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Checks and hashes new secrets: `password` (10 to 256 characters), `pin` (4 to 8 digits;
    /// `Some(None)` removes the PIN). Slow on purpose; no I/O. Errors name every bad field.
    pub fn hash_secrets(
        passwords: &Passwords,
        secrets: &dyn SecretSource,
        password: Option<&str>,
        pin: Option<Option<&str>>,
    ) -> AppResult<HashedSecrets> {
        let mut fields = Vec::new();
        if let Some(p) = password
            && let Err(e) = check_password("password", p)
        {
            fields.push(e);
        }
        if let Some(Some(p)) = pin
            && let Err(e) = check_pin("pin", p)
        {
            fields.push(e);
        }
        if !fields.is_empty() {
            return Err(AppError::Invalid(fields));
        }
        Ok(HashedSecrets {
            password: password.map(|p| passwords.hash(p, secrets)).transpose()?,
            pin: match pin {
                None => None,
                Some(None) => Some(None),
                Some(Some(p)) => Some(Some(passwords.hash(p, secrets)?)),
            },
        })
    }

    /// Refuses an actor who manages a user holding more than they do (a manager resetting an
    /// admin's password would become that admin).
    fn require_over(&self, actor: &Actor, user: &User) -> AppResult<()> {
        let held: Permissions = self.roles.grantable("role", &user.role).unwrap_or_default();
        actor.require_all(held)
    }

    /// Needs [`Permission::UsersManage`] and every permission of the role given. `secrets` must
    /// hold a password.
    pub fn create(
        &self,
        input: &NewUserInput,
        secrets: HashedSecrets,
        meta: &RequestMeta,
    ) -> AppResult<User> {
        meta.actor.require(Permission::UsersManage)?;
        let username = Username::new("username", &input.username);
        let name = display_name(&input.display_name);
        let (username, name) = match (username, name) {
            (Ok(u), Ok(n)) => (u, n),
            (u, n) => {
                return Err(AppError::Invalid(
                    [u.err(), n.err()].into_iter().flatten().collect(),
                ));
            }
        };
        let granted = self.roles.grantable("role", &input.role)?;
        meta.actor.require_all(granted)?;
        let password_hash = secrets
            .password
            .ok_or_else(|| AppError::invalid("password", "is required"))?;
        let new = NewUser {
            username: username.as_str().to_owned(),
            username_key: username.key(),
            display_name: name,
            role: input.role.clone(),
            password_hash,
            pin_hash: secrets.pin.flatten(),
            created_at: self.clock.now(),
        };
        let audit = meta.audit(
            "user_created",
            &*self.clock,
            None,
            Some(serde_json::json!({"username": new.username, "role": new.role})),
        );
        self.repo
            .create_user(&new, &audit, meta.idempotency.clone())
    }

    /// Needs [`Permission::UsersManage`].
    pub fn get(&self, actor: &Actor, id: UserId) -> AppResult<User> {
        actor.require(Permission::UsersManage)?;
        self.repo.get_user(id)
    }

    /// The user an actor logged in as: no permission needed (everyone may see themselves).
    pub fn me(&self, id: UserId) -> AppResult<User> {
        self.repo.get_user(id)
    }

    /// Sets (or, with `None`, clears) the language of the user acting: the web UI's and their
    /// scanners' messages. No permission needed: everyone chooses their own; an actor that is
    /// not a user logged in with a session (an API key, a scanner) has no such setting (409
    /// `not_a_session`).
    pub fn set_own_language(&self, meta: &RequestMeta, language: Option<Lang>) -> AppResult<User> {
        let Who::User { id, .. } = meta.actor.who() else {
            return Err(AppError::refused(
                ProblemCode::NotASession,
                "only a user logged in with a session has a language setting",
            ));
        };
        let patch = UserPatch {
            language: Some(language),
            ..UserPatch::default()
        };
        let audit = meta.audit(
            "user_changed",
            &*self.clock,
            Some(format!("user:{id}")),
            Some(serde_json::json!({ "language": language.map(Lang::code) })),
        );
        self.repo
            .update_user(*id, Expected::Any, &patch, audit.at, &audit, None)
    }

    /// Needs [`Permission::UsersManage`].
    pub fn list(&self, actor: &Actor, page: &PageQuery<UserId>) -> AppResult<Page<User>> {
        actor.require(Permission::UsersManage)?;
        paginate(page, |p| self.repo.list_users(p), |u| u.id.to_string())
    }

    /// Needs [`Permission::UsersManage`], every permission the user holds, and every permission
    /// of a new role. Making a user inactive ends their sessions.
    pub fn update(
        &self,
        id: UserId,
        expected: Expected,
        input: &UserPatchInput,
        meta: &RequestMeta,
    ) -> AppResult<User> {
        meta.actor.require(Permission::UsersManage)?;
        let patch = UserPatch {
            display_name: input
                .display_name
                .as_deref()
                .map(display_name)
                .transpose()?,
            role: input.role.clone(),
            active: input.active,
            language: None,
        };
        let current = self.repo.get_user(id)?;
        self.require_over(&meta.actor, &current)?;
        if let Some(role) = &patch.role {
            meta.actor
                .require_all(self.roles.grantable("role", role)?)?;
        }
        let event = match patch.active {
            Some(false) if current.active => "user_deactivated",
            Some(true) if !current.active => "user_activated",
            _ => "user_changed",
        };
        let audit = meta.audit(
            event,
            &*self.clock,
            Some(format!("user:{id}")),
            Some(serde_json::json!({
                "role": patch.role,
                "active": patch.active,
                "display_name": patch.display_name.is_some(),
            })),
        );
        self.repo.update_user(
            id,
            expected,
            &patch,
            audit.at,
            &audit,
            meta.idempotency.clone(),
        )
    }

    /// New secrets for a user. Needs [`Permission::UsersManage`] and every permission the user
    /// holds. A new password ends the user's sessions.
    pub fn set_secrets(
        &self,
        id: UserId,
        expected: Expected,
        secrets: HashedSecrets,
        meta: &RequestMeta,
    ) -> AppResult<User> {
        meta.actor.require(Permission::UsersManage)?;
        if secrets.password.is_none() && secrets.pin.is_none() {
            return Err(AppError::invalid(
                "password",
                "send a new password, a new pin, or both",
            ));
        }
        let current = self.repo.get_user(id)?;
        self.require_over(&meta.actor, &current)?;
        let audit = meta.audit(
            "user_secrets_reset",
            &*self.clock,
            Some(format!("user:{id}")),
            Some(serde_json::json!({
                "password": secrets.password.is_some(),
                "pin": secrets.pin.as_ref().map(|p| if p.is_some() { "set" } else { "removed" }),
            })),
        );
        let credentials = NewCredentials {
            password_hash: secrets.password,
            pin_hash: secrets.pin,
        };
        self.repo.set_credentials(
            id,
            expected,
            &credentials,
            audit.at,
            &audit,
            meta.idempotency.clone(),
        )
    }

    /// The display names of the users named in ledger actor texts (`user:u…`, also combined as
    /// `user:u…/device:PDA-7`), by actor text as given, for history answers; actors naming no
    /// user (or an unknown one) are left out. Whoever may read a history may read who made it:
    /// no permission of its own.
    pub fn actor_names<'a>(
        &self,
        actors: impl IntoIterator<Item = &'a str>,
    ) -> AppResult<std::collections::HashMap<String, String>> {
        actor_names(self.repo.as_ref(), actors)
    }

    /// The user with this username (any case), for the command line.
    pub fn find_by_username(&self, username: &str) -> AppResult<User> {
        let key = Username::new("username", username)?.key();
        self.repo
            .find_login(&key)?
            .map(|found| found.user)
            .ok_or_else(|| AppError::not_found("user", username))
    }
}

/// The display names of the users named in ledger actor texts (`user:u…`, also combined as
/// `user:u…/device:PDA-7`), by actor text as given, read in one batch from `users`; actors
/// naming no user (or an unknown one) are left out. [`UserService::actor_names`] for history
/// answers, and the webhooks' deliveries, which name them as the events stream does.
pub fn actor_names<'a>(
    users: &dyn UserRepository,
    actors: impl IntoIterator<Item = &'a str>,
) -> AppResult<std::collections::HashMap<String, String>> {
    let named: Vec<(&str, UserId)> = actors
        .into_iter()
        .filter_map(|actor| {
            let id = actor
                .split('/')
                .find_map(|part| part.strip_prefix("user:"))?;
            Some((actor, UserId::parse(id).ok()?))
        })
        .collect();
    let mut ids: Vec<UserId> = named.iter().map(|(_, id)| *id).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let names: std::collections::HashMap<UserId, String> =
        users.display_names(&ids)?.into_iter().collect();
    Ok(named
        .into_iter()
        .filter_map(|(actor, id)| Some((actor.to_owned(), names.get(&id)?.clone())))
        .collect())
}
