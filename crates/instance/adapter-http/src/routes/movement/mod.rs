//! The movement wing: moves, and what the ledger and the parents tell of an object: what a
//! place or box holds, where a box or item is, and the history of anything.

use utoipa_actix_web::service_config::ServiceConfig;

pub mod contents;
pub mod history;
pub mod location;
pub mod moves;

/// Registers the movement's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(contents::place_contents)
        .service(history::place_history)
        .service(contents::box_contents)
        .service(location::box_location)
        .service(history::box_history)
        .service(location::item_location)
        .service(history::item_history)
        .service(history::order_history)
        .service(moves::move_objects);
}
