//! The pages, one module per page or group; each registers its routes in `configure`.

use actix_web::web::ServiceConfig;

pub mod labels;
pub mod language;
pub mod login;
pub mod objects;
pub mod scan;

pub fn configure(cfg: &mut ServiceConfig) {
    login::configure(cfg);
    language::configure(cfg);
    objects::configure(cfg);
    scan::configure(cfg);
    labels::configure(cfg);
}
