//! The access wing's routes: login and the caller (`auth`), users, roles and permissions, API
//! keys, the audit log.

use utoipa_actix_web::service_config::ServiceConfig;

pub mod audit;
pub mod auth;
pub mod keys;
pub mod roles;
pub mod users;

/// Registers the access routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.configure(auth::configure)
        .configure(users::configure)
        .configure(roles::configure)
        .configure(keys::configure)
        .configure(audit::configure);
}
