//! Route handlers, one module per resource, and their registration.

use actix_web::HttpResponse;
use eckwms_domain::{Movable, ObjectId, Parent};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::dto::{ContentEntryOut, HistoryEntryOut, LocationOut, PageOut};
use crate::extract::{Ctx, QueryCheck};
use crate::problem::ApiError;
use crate::schema;

pub mod api_keys;
pub mod boxes;
pub mod items;
pub mod labels;
pub mod moves;
pub mod orders;
pub mod places;
pub mod public;
pub mod scans;
pub mod system;
pub mod warehouses;

/// Registers every route under `/api/v1`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(system::openapi_json)
        .service(warehouses::create_warehouse)
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
        .service(places::place_contents)
        .service(places::place_history)
        .service(boxes::create_box)
        .service(boxes::list_boxes)
        .service(boxes::get_box)
        .service(boxes::update_box)
        .service(boxes::delete_box)
        .service(boxes::box_contents)
        .service(boxes::box_location)
        .service(boxes::box_history)
        .service(items::create_item)
        .service(items::list_items)
        .service(items::get_item)
        .service(items::update_item)
        .service(items::delete_item)
        .service(items::item_location)
        .service(items::item_history)
        .service(items::add_item_action)
        .service(items::list_item_actions)
        .service(orders::create_order)
        .service(orders::list_orders)
        .service(orders::get_order)
        .service(orders::update_order)
        .service(orders::delete_order)
        .service(orders::order_history)
        .service(orders::link_box)
        .service(orders::unlink_box)
        .service(moves::move_objects)
        .service(scans::scan)
        .service(scans::get_session)
        .service(scans::clear_session)
        .service(scans::list_scans)
        .service(scans::get_scan)
        .service(labels::print_labels)
        .service(labels::pairing_qr)
        .service(api_keys::list_api_keys)
        .service(api_keys::create_api_key)
        .service(api_keys::revoke_api_key);
}

// ---------------------------------------------------------------- shared handlers

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Page size, 1 to 500 (default 50).
    #[param(value_type = Option<schema::PageLimit>)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page (a sequence number).
    #[param(value_type = Option<schema::Serial>)]
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContentsQuery {
    /// Also list what sits in boxes inside (default false).
    #[param(value_type = Option<bool>)]
    pub recursive: Option<String>,
    /// Page size, 1 to 500 (default 50).
    #[param(value_type = Option<schema::PageLimit>)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page (an object id).
    #[param(value_type = Option<schema::AnyId>)]
    pub cursor: Option<String>,
}

/// The ledger rows of an object, oldest first.
pub async fn history(
    ctx: Ctx,
    object: ObjectId,
    query: HistoryQuery,
) -> Result<HttpResponse, ApiError> {
    let mut check = QueryCheck::new();
    let cursor = check.int("cursor", query.cursor.as_deref());
    let page = check.page(cursor, query.limit.as_deref())?;
    let services = ctx.services;
    let result = services
        .run(move |s| s.movement.history(object, &page))
        .await?;
    Ok(HttpResponse::Ok().json(PageOut::from_page(result, HistoryEntryOut::from)))
}

/// What a box or place holds, by id.
pub async fn contents(
    ctx: Ctx,
    container: Parent,
    query: ContentsQuery,
) -> Result<HttpResponse, ApiError> {
    let mut check = QueryCheck::new();
    let recursive = check
        .bool("recursive", query.recursive.as_deref())
        .unwrap_or(false);
    let cursor = check.id::<ObjectId>("cursor", query.cursor.as_deref());
    let page = check.page(cursor, query.limit.as_deref())?;
    let services = ctx.services;
    let result = services
        .run(move |s| s.movement.contents(container, recursive, &page))
        .await?;
    Ok(HttpResponse::Ok().json(PageOut::from_page(result, ContentEntryOut::from)))
}

/// Where an item or box is.
pub async fn location(ctx: Ctx, object: Movable) -> Result<HttpResponse, ApiError> {
    let services = ctx.services;
    let found = services.run(move |s| s.movement.location(object)).await?;
    Ok(HttpResponse::Ok().json(LocationOut::from(found)))
}
