//! The pages, one module per page or group; each registers its routes in `configure`.

use actix_web::web::ServiceConfig;

pub mod dashboard;
pub mod labels;
pub mod language;
pub mod login;
pub mod objects;
pub mod repair;
pub mod scan;
pub mod search;

pub fn configure(cfg: &mut ServiceConfig) {
    login::configure(cfg);
    language::configure(cfg);
    objects::configure(cfg);
    scan::configure(cfg);
    labels::configure(cfg);
    dashboard::configure(cfg);
    search::configure(cfg);
    repair::configure(cfg);
}
