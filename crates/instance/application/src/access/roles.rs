//! Roles and the permission catalogue: listing them, admins' own roles, and the seeding of the
//! roles every instance has.

use std::sync::Arc;

use eckwms_domain::Text;
use eckwms_domain::access::role::{SEEDED_ROLES, effective, is_fixed, seeded};
use eckwms_domain::access::{Permission, Permissions, RoleName};

use crate::common::RequestMeta;
use crate::error::{AppError, AppResult, ProblemCode};
use crate::ports::{Clock, Expected, Role, RolePatch, RoleRepository};

use super::Actor;

/// A role as answered: its effective permissions, and whether it is fixed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleOut {
    pub role: Role,
    /// Cannot be changed or deleted (`SUPER_ADMIN`, the API key roles).
    pub fixed: bool,
}

impl RoleOut {
    fn of(mut role: Role) -> Self {
        role.permissions = effective(&role.name, role.permissions);
        Self {
            fixed: is_fixed(&role.name),
            role,
        }
    }
}

/// A new role as asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRoleInput {
    pub name: String,
    pub description: String,
    pub permissions: Vec<String>,
}

/// A role change as asked for; `None` keeps the value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RolePatchInput {
    pub description: Option<String>,
    pub permissions: Option<Vec<String>>,
}

#[derive(Clone)]
pub struct RoleService {
    repo: Arc<dyn RoleRepository>,
    clock: Arc<dyn Clock>,
}

fn description(text: &str) -> AppResult<String> {
    if text.is_empty() {
        return Ok(String::new());
    }
    Ok(Text::<200>::new("description", text)?.into_string())
}

fn permissions(names: &[String]) -> AppResult<Permissions> {
    Permissions::parse_names(names).map_err(|e| AppError::invalid("permissions", e))
}

fn protected(name: &str) -> AppError {
    AppError::refused(
        ProblemCode::RoleProtected,
        format!("the role {name} is fixed: it cannot be changed or deleted"),
    )
}

impl RoleService {
    pub fn new(repo: Arc<dyn RoleRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { repo, clock }
    }

    /// Stores the seeded roles that are not stored yet (at every start; the ones an admin
    /// changed are left as they are).
    pub fn seed(&self) -> AppResult<u64> {
        let now = self.clock.now();
        let roles: Vec<Role> = SEEDED_ROLES
            .iter()
            .map(|r| Role {
                name: r.name.to_owned(),
                description: r.description.to_owned(),
                permissions: r.permissions(),
                version: 1,
                created_at: now,
                updated_at: now,
            })
            .collect();
        self.repo.seed_roles(&roles)
    }

    /// Every permission with what it allows. Needs [`Permission::SettingsView`].
    pub fn permissions(&self, actor: &Actor) -> AppResult<&'static [Permission]> {
        actor.require(Permission::SettingsView)?;
        Ok(Permission::ALL)
    }

    /// Needs [`Permission::SettingsView`].
    pub fn list(&self, actor: &Actor) -> AppResult<Vec<RoleOut>> {
        actor.require(Permission::SettingsView)?;
        Ok(self
            .repo
            .list_roles()?
            .into_iter()
            .map(RoleOut::of)
            .collect())
    }

    /// Needs [`Permission::SettingsView`].
    pub fn get(&self, actor: &Actor, name: &str) -> AppResult<RoleOut> {
        actor.require(Permission::SettingsView)?;
        self.find(name)
    }

    fn find(&self, name: &str) -> AppResult<RoleOut> {
        self.repo
            .find_role(name)?
            .map(RoleOut::of)
            .ok_or_else(|| AppError::not_found("role", name))
    }

    /// The effective permissions of the role named `name`; 422 naming `field` when there is
    /// no such role (a role given to a user, a key or a device).
    pub(crate) fn grantable(&self, field: &str, name: &str) -> AppResult<Permissions> {
        self.repo
            .find_role(name)?
            .map(|r| effective(&r.name, r.permissions))
            .ok_or_else(|| AppError::invalid(field, format!("there is no role {name:?}")))
    }

    /// Needs [`Permission::CoreAdmin`] and every permission the role grants.
    pub fn create(&self, input: &NewRoleInput, meta: &RequestMeta) -> AppResult<RoleOut> {
        meta.actor.require(Permission::CoreAdmin)?;
        let name = RoleName::new("name", &input.name);
        let description = description(&input.description);
        let granted = permissions(&input.permissions);
        let (name, description, granted) = match (name, description, granted) {
            (Ok(n), Ok(d), Ok(g)) => (n, d, g),
            (n, d, g) => {
                let mut fields = Vec::new();
                if let Err(e) = n {
                    fields.push(e);
                }
                for e in [d.err(), g.err()].into_iter().flatten() {
                    if let AppError::Invalid(f) = e {
                        fields.extend(f);
                    } else {
                        return Err(e);
                    }
                }
                return Err(AppError::Invalid(fields));
            }
        };
        meta.actor.require_all(granted)?;
        let now = self.clock.now();
        let role = Role {
            name: name.into_string(),
            description,
            permissions: granted,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let audit = meta.audit(
            "role_created",
            &*self.clock,
            Some(format!("role:{}", role.name)),
            Some(serde_json::json!({"permissions": granted})),
        );
        self.repo
            .create_role(&role, &audit, meta.idempotency.clone())
            .map(RoleOut::of)
    }

    /// Needs [`Permission::CoreAdmin`] and every permission the role grants after the change.
    /// Fixed roles are refused (409 `role_protected`).
    pub fn update(
        &self,
        name: &str,
        expected: Expected,
        input: &RolePatchInput,
        meta: &RequestMeta,
    ) -> AppResult<RoleOut> {
        meta.actor.require(Permission::CoreAdmin)?;
        let patch = RolePatch {
            description: input.description.as_deref().map(description).transpose()?,
            permissions: input.permissions.as_deref().map(permissions).transpose()?,
        };
        let current = self.find(name)?;
        if current.fixed {
            return Err(protected(name));
        }
        if let Some(granted) = patch.permissions {
            meta.actor.require_all(granted)?;
        }
        let audit = meta.audit(
            "role_changed",
            &*self.clock,
            Some(format!("role:{name}")),
            Some(serde_json::json!({
                "permissions": patch.permissions,
                "description": patch.description.is_some(),
            })),
        );
        self.repo
            .update_role(
                name,
                expected,
                &patch,
                audit.at,
                &audit,
                meta.idempotency.clone(),
            )
            .map(RoleOut::of)
    }

    /// Needs [`Permission::CoreAdmin`]. Seeded roles are refused (409 `role_protected`: every
    /// start would seed them again), roles in use too (409 `role_in_use`).
    pub fn delete(&self, name: &str, expected: Expected, meta: &RequestMeta) -> AppResult<()> {
        meta.actor.require(Permission::CoreAdmin)?;
        if seeded(name).is_some() {
            return Err(AppError::refused(
                ProblemCode::RoleProtected,
                format!("the role {name} is seeded: it can be changed (unless fixed), not deleted"),
            ));
        }
        let audit = meta.audit(
            "role_deleted",
            &*self.clock,
            Some(format!("role:{name}")),
            None,
        );
        self.repo
            .delete_role(name, expected, &audit, meta.idempotency.clone())
    }
}
