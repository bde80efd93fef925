//! Route handlers, one folder per capability (a wing), each with one `configure` registering
//! its routes; a route belongs to the wing whose use cases it calls. `configure` below mounts
//! every wing's routes under `/api/v1`. Three registrations live in `lib.rs` (`register`),
//! outside that scope and its API-key auth: the system wing's probes, the public wing's
//! `configure`, and the scanning wing's `legacy_scan` (its own `/ECK/API` scope).

use utoipa_actix_web::service_config::ServiceConfig;

pub mod access;
pub mod catalog;
pub mod labels;
pub mod movement;
pub mod orders;
pub mod public;
pub mod scanning;
pub mod system;

/// Registers every route under `/api/v1`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.configure(system::configure)
        .configure(catalog::configure)
        .configure(orders::configure)
        .configure(movement::configure)
        .configure(scanning::configure)
        .configure(labels::configure)
        .configure(access::configure);
}
