//! The pages, one module per page or group; each registers its routes in `configure`.

use actix_web::web::ServiceConfig;

pub mod admin;
pub mod apikeys;
pub mod audit;
pub mod dashboard;
pub mod floor;
pub mod labels;
pub mod language;
pub mod login;
pub mod objects;
pub mod repair;
pub mod roles;
pub mod scan;
pub mod scanners;
pub mod search;
pub mod users;

pub fn configure(cfg: &mut ServiceConfig) {
    login::configure(cfg);
    language::configure(cfg);
    objects::configure(cfg);
    scan::configure(cfg);
    labels::configure(cfg);
    dashboard::configure(cfg);
    search::configure(cfg);
    repair::configure(cfg);
    scanners::configure(cfg);
    users::configure(cfg);
    roles::configure(cfg);
    apikeys::configure(cfg);
    audit::configure(cfg);
    floor::configure(cfg);
}
