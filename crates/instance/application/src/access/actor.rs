//! Who acts, and what they may do.
//!
//! Every use case is asked by an [`Actor`] and checks the [`Permission`] it requires
//! ([`Actor::require`]); it refuses an actor without it with 403 `forbidden` naming the
//! permission, whichever adapter asked (the JSON API, a web page, a scanner route). An actor's
//! permissions are its role's, resolved when it authenticated: an API key's role, a user's role.

use std::fmt;

use eckwms_domain::UserId;
use eckwms_domain::access::{Permission, Permissions};
use eckwms_domain::devices::DeviceId;
use eckwms_i18n::Lang;

use crate::error::{AppError, AppResult};

/// Who acts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Who {
    /// A caller holding an API key (`eck_<key id>_<secret>`): the key's record id and name.
    ApiKey { id: i64, name: String },
    /// A user logged in with a session: the user's id (`u…`) and username.
    User { id: UserId, username: String },
    /// A registered scanner, by the signature of its request, and the operator logged in on it
    /// (user id and username), if any.
    Device {
        id: DeviceId,
        operator: Option<(UserId, String)>,
    },
    /// The operator at the server's command line (`eckwms user ...`, `eckwms apikey ...`).
    Console,
    /// Nobody authenticated yet (a login): holds no permission.
    Anonymous,
}

/// Who acts, with the permissions they act with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    who: Who,
    /// The name of the role the permissions come from, for refusals.
    role: String,
    permissions: Permissions,
    /// The language the person acting chose (their user setting); `None` for keys, scanners
    /// without an operator and people who chose none.
    language: Option<Lang>,
}

impl Actor {
    pub fn api_key(
        id: i64,
        name: impl Into<String>,
        role: impl Into<String>,
        permissions: Permissions,
    ) -> Self {
        Self {
            who: Who::ApiKey {
                id,
                name: name.into(),
            },
            role: role.into(),
            permissions,
            language: None,
        }
    }

    pub fn user(
        id: UserId,
        username: impl Into<String>,
        role: impl Into<String>,
        permissions: Permissions,
    ) -> Self {
        Self {
            who: Who::User {
                id,
                username: username.into(),
            },
            role: role.into(),
            permissions,
            language: None,
        }
    }

    /// A scanner's signed request: the device, the operator logged in on it, and the name of
    /// the role (or roles) its permissions come from, for refusals.
    pub fn device(
        id: DeviceId,
        operator: Option<(UserId, String)>,
        role: impl Into<String>,
        permissions: Permissions,
    ) -> Self {
        Self {
            who: Who::Device { id, operator },
            role: role.into(),
            permissions,
            language: None,
        }
    }

    /// The device of a scanner's request, if this actor is one.
    pub fn device_id(&self) -> Option<&DeviceId> {
        match &self.who {
            Who::Device { id, .. } => Some(id),
            _ => None,
        }
    }

    /// An API key with the seeded role `role` (`read`, `write`, `admin`, `PICKER`, ...): for
    /// tests of this and other crates.
    #[cfg(any(test, feature = "mock"))]
    pub fn seeded_key(id: i64, name: &str, role: &str) -> Self {
        let permissions = eckwms_domain::access::role::seeded(role)
            .map(|r| r.permissions())
            .unwrap_or_default();
        Self::api_key(id, name, role, permissions)
    }

    /// The operator at the command line, who may do everything the command line offers.
    pub fn console() -> Self {
        Self {
            who: Who::Console,
            role: "console".into(),
            permissions: Permissions::all(),
            language: None,
        }
    }

    /// Nobody authenticated yet: a request to a public route such as the login.
    pub fn anonymous() -> Self {
        Self {
            who: Who::Anonymous,
            role: "none".into(),
            permissions: Permissions::NONE,
            language: None,
        }
    }

    pub fn is_anonymous(&self) -> bool {
        self.who == Who::Anonymous
    }

    /// The actor speaking `language` (the user's setting, for a user or a scanner's operator).
    pub fn with_language(mut self, language: Option<Lang>) -> Self {
        self.language = language;
        self
    }

    /// The language the person acting chose, if any.
    pub fn language(&self) -> Option<Lang> {
        self.language
    }

    pub fn who(&self) -> &Who {
        &self.who
    }

    pub fn role(&self) -> &str {
        &self.role
    }

    pub fn permissions(&self) -> Permissions {
        self.permissions
    }

    /// The actor as the ledger records it: `apikey:<id>`, `user:<u…>`, `device:<id>`,
    /// `user:<u…>/device:<id>` (an operator on a scanner), or `console`.
    pub fn ledger_name(&self) -> String {
        self.to_string()
    }

    /// The actor as the ledger records it for something done through a scanner: the actor
    /// with the device, `apikey:2/device:PDA-7`. A scanner's own request names its device
    /// already (and never another: the scan use case refuses that), so it is not added twice.
    pub fn ledger_name_on(&self, device: Option<&str>) -> String {
        match (&self.who, device) {
            (Who::Device { .. }, _) | (_, None) => self.to_string(),
            (_, Some(device)) => format!("{self}/device:{device}"),
        }
    }

    /// Whether the actor holds `permission`.
    pub fn may(&self, permission: Permission) -> bool {
        self.permissions.has(permission)
    }

    /// Refuses with 403 `forbidden`, naming the permission, when the actor lacks it.
    pub fn require(&self, permission: Permission) -> AppResult<()> {
        if self.may(permission) {
            return Ok(());
        }
        Err(AppError::forbidden(
            permission.as_str(),
            format!(
                "this needs the permission {permission}, which the role {} does not grant",
                self.role
            ),
        ))
    }

    /// Refuses with 403 `forbidden` unless the actor holds every permission of `granted`: nobody
    /// hands out more than they have (a role given to a user, a scanner or a key, or the
    /// permissions of a role they change).
    pub fn require_all(&self, granted: Permissions) -> AppResult<()> {
        match granted.list().into_iter().find(|p| !self.may(*p)) {
            None => Ok(()),
            Some(missing) => Err(AppError::forbidden(
                missing.as_str(),
                format!(
                    "granting {missing} needs holding it, and the role {} does not grant it",
                    self.role
                ),
            )),
        }
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.who {
            Who::ApiKey { id, .. } => write!(f, "apikey:{id}"),
            Who::User { id, .. } => write!(f, "user:{id}"),
            Who::Device {
                id,
                operator: Some((user, _)),
            } => write!(f, "user:{user}/device:{}", id.as_str()),
            Who::Device { id, operator: None } => write!(f, "device:{}", id.as_str()),
            Who::Console => f.write_str("console"),
            Who::Anonymous => f.write_str("anonymous"),
        }
    }
}

#[cfg(test)]
mod tests {
    use eckwms_domain::access::role::seeded;

    use super::*;
    use crate::error::ProblemCode;

    fn key(role: &str) -> Actor {
        let permissions = seeded(role).map(|r| r.permissions()).unwrap_or_default();
        Actor::api_key(2, "k", role, permissions)
    }

    #[test]
    fn an_actor_holds_its_roles_permissions() {
        let picker = Actor::user(
            UserId::new(1).unwrap(),
            "anna",
            "PICKER",
            Permissions::of(&[Permission::ScanExecute]),
        );
        assert!(picker.may(Permission::ScanExecute));
        assert!(!picker.may(Permission::SettingsEdit));
        assert!(picker.require(Permission::ScanExecute).is_ok());
        assert!(key("admin").may(Permission::CoreAdmin));
        assert!(!key("write").may(Permission::ApiKeysManage));
        assert!(Actor::console().may(Permission::CoreAdmin));
    }

    #[test]
    fn a_refusal_names_the_permission_and_the_role() {
        match key("read").require(Permission::SettingsEdit) {
            Err(AppError::Forbidden {
                permission,
                message,
            }) => {
                assert_eq!(permission, "settings.edit");
                assert_eq!(
                    message,
                    "this needs the permission settings.edit, which the role read does not grant"
                );
                assert_eq!(
                    AppError::forbidden("x", "y").code(),
                    Some(ProblemCode::Forbidden)
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn nobody_grants_more_than_they_hold() {
        let write = key("write");
        assert!(
            write
                .require_all(Permissions::of(&[Permission::ScanExecute]))
                .is_ok()
        );
        match write.require_all(Permissions::of(&[
            Permission::ScanExecute,
            Permission::UsersManage,
        ])) {
            Err(AppError::Forbidden { permission, .. }) => assert_eq!(permission, "users.manage"),
            other => panic!("{other:?}"),
        }
        assert!(key("admin").require_all(Permissions::all()).is_ok());
    }

    #[test]
    fn the_ledger_names_the_actor_and_the_device() {
        assert_eq!(key("write").ledger_name(), "apikey:2");
        assert_eq!(
            key("write").ledger_name_on(Some("PDA-7")),
            "apikey:2/device:PDA-7"
        );
        assert_eq!(key("write").ledger_name_on(None), "apikey:2");
        assert_eq!(Actor::console().ledger_name(), "console");
        let user = Actor::user(UserId::new(7).unwrap(), "anna", "PICKER", Permissions::NONE);
        assert_eq!(
            user.ledger_name_on(Some("PDA-7")),
            "user:u000000000000000007/device:PDA-7"
        );
    }

    #[test]
    fn a_scanner_is_named_with_its_operator_and_never_twice() {
        let pda = DeviceId::parse("PDA-7").unwrap();
        let alone = Actor::device(pda.clone(), None, "PICKER", Permissions::NONE);
        assert_eq!(alone.ledger_name(), "device:PDA-7");
        assert_eq!(alone.ledger_name_on(Some("PDA-7")), "device:PDA-7");
        assert_eq!(alone.ledger_name_on(None), "device:PDA-7");
        assert_eq!(alone.device_id(), Some(&pda));
        let operated = Actor::device(
            pda,
            Some((UserId::new(4).unwrap(), "anna".into())),
            "PICKER",
            Permissions::NONE,
        );
        assert_eq!(
            operated.ledger_name(),
            "user:u000000000000000004/device:PDA-7"
        );
        assert_eq!(
            operated.ledger_name_on(Some("PDA-7")),
            "user:u000000000000000004/device:PDA-7"
        );
        assert_eq!(key("write").device_id(), None);
    }
}
