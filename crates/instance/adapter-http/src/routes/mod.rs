//! Route handlers, one folder per capability (a wing), each with one `configure` registering
//! its routes; a route belongs to the wing whose use cases it calls. `configure` below mounts
//! every wing's routes under `/api/v1`, `configure_eck_api` those of the scanners' `/ECK/API`
//! scope (the first generation's scan route, the devices' pairing and signed routes). Two
//! registrations live in `lib.rs` (`register`), outside both scopes and their auth: the system
//! wing's probes and the public wing's `configure`.

use utoipa_actix_web::service_config::ServiceConfig;

pub mod access;
pub mod catalog;
pub mod devices;
pub mod events;
pub mod labels;
pub mod movement;
pub mod orders;
pub mod overview;
pub mod public;
pub mod relay;
pub mod repair;
pub mod scanning;
pub mod system;
pub mod webhooks;

/// Registers every route under `/api/v1`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.configure(system::configure)
        .configure(catalog::configure)
        .configure(orders::configure)
        .configure(overview::configure)
        .configure(events::configure)
        .configure(repair::configure)
        .configure(movement::configure)
        .configure(scanning::configure)
        .configure(labels::configure)
        .configure(access::configure)
        .configure(devices::configure)
        .configure(webhooks::configure)
        .configure(relay::configure);
}

/// Registers every route of the `/ECK/API` scope.
pub fn configure_eck_api(cfg: &mut ServiceConfig) {
    cfg.service(scanning::legacy_scan)
        .configure(devices::configure_eck_api);
}
