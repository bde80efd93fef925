//! The access wing: who acts ([`Actor`]) and what they may do (permissions and roles,
//! [`RoleService`]); the people who log in ([`UserService`]) and their sessions
//! ([`SessionService`]); the API keys integrations act with ([`ApiKeyService`]); the audit log
//! of security events ([`AuditService`]).

mod actor;
mod audit;
mod keys;
pub mod passwords;
mod roles;
mod sessions;
mod users;

pub use actor::{Actor, Who};
pub use audit::AuditService;
pub use keys::{ApiKeyService, CreatedKey, unauthenticated};
pub use roles::{NewRoleInput, RoleOut, RolePatchInput, RoleService};
pub use sessions::{
    LoggedIn, LoginAttempt, SESSION_PREFIX, SessionService, SessionSettings, csrf_token,
};
pub use users::{HashedSecrets, NewUserInput, UserPatchInput, UserService, actor_names};

#[cfg(test)]
mod tests;
