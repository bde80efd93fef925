//! The catalog wing: warehouses and racks, places, boxes, items and their repair actions. What a
//! place or box holds, where a box or item is, and their history are the movement wing's.

use utoipa_actix_web::service_config::ServiceConfig;

pub mod boxes;
pub mod items;
pub mod places;
pub mod warehouses;

/// Registers the catalog's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(warehouses::create_warehouse)
        .service(warehouses::list_warehouses)
        .service(warehouses::get_warehouse)
        .service(warehouses::update_warehouse)
        .service(warehouses::delete_warehouse)
        .service(warehouses::create_rack)
        .service(warehouses::list_racks)
        .service(warehouses::get_rack)
        .service(warehouses::update_rack)
        .service(warehouses::delete_rack)
        .service(places::create_place)
        .service(places::list_places)
        .service(places::get_place)
        .service(places::update_place)
        .service(places::delete_place)
        .service(boxes::create_box)
        .service(boxes::list_boxes)
        .service(boxes::get_box)
        .service(boxes::update_box)
        .service(boxes::delete_box)
        .service(items::create_item)
        .service(items::list_items)
        .service(items::get_item)
        .service(items::update_item)
        .service(items::delete_item)
        .service(items::add_item_action)
        .service(items::list_item_actions);
}
