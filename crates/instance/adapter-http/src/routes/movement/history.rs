//! The ledger rows of a place, a box, an item or an order, oldest first (also after it was
//! deleted).

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use eckwms_domain::{BoxId, ItemId, LedgerEntry, ObjectId, OrderId, PlaceId};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::dto::{HistoryQuery, PageOut};
use crate::extract::{Ctx, QueryCheck, path_id};
use crate::problem::ApiError;
use crate::schema;

/// What a ledger row records.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOut {
    Created,
    Updated,
    Moved,
    Action,
    Linked,
    Unlinked,
    Deleted,
}

impl From<eckwms_domain::ChangeKind> for ChangeOut {
    fn from(k: eckwms_domain::ChangeKind) -> Self {
        use eckwms_domain::ChangeKind as K;
        match k {
            K::Created => ChangeOut::Created,
            K::Updated => ChangeOut::Updated,
            K::Moved => ChangeOut::Moved,
            K::Action => ChangeOut::Action,
            K::Linked => ChangeOut::Linked,
            K::Unlinked => ChangeOut::Unlinked,
            K::Deleted => ChangeOut::Deleted,
        }
    }
}

/// One ledger row touching an object.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntryOut {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub object: String,
    pub change: ChangeOut,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Who made the change: `user:u…`, `apikey:<id>`, `console`, with `/device:<id>` for a
    /// scan that named its device.
    pub actor: String,
    /// The display name of the user in `actor`, when a user made the change.
    pub actor_name: Option<String>,
    pub reason: Option<String>,
    pub request_id: Option<String>,
    /// The scan that caused the change (`GET /api/v1/scans/{id}`), when a scan did.
    pub scan_id: Option<i64>,
    /// Created/deleted: the full state; updated: the changed fields; action: the action;
    /// `null` for the other changes (moved, linked, unlinked).
    #[schema(value_type = Option<Object>)]
    pub data: Value,
}

impl From<LedgerEntry> for HistoryEntryOut {
    fn from(e: LedgerEntry) -> Self {
        Self {
            seq: e.seq,
            at: e.at,
            object: e.object.to_string(),
            change: e.kind.into(),
            from: e.from.map(|id| id.to_string()),
            to: e.to.map(|id| id.to_string()),
            actor: e.actor,
            actor_name: None,
            reason: e.reason,
            request_id: e.request_id,
            scan_id: e.scan_id,
            data: e.data,
        }
    }
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
    let (services, actor) = (ctx.services, ctx.meta.actor);
    let (result, names) = services
        .run(move |s| {
            let result = s.movement.history(&actor, object, &page)?;
            let names = s
                .users
                .actor_names(result.items.iter().map(|e| e.actor.as_str()))?;
            Ok((result, names))
        })
        .await?;
    let mut out = PageOut::from_page(result, HistoryEntryOut::from);
    for entry in &mut out.items {
        entry.actor_name = names.get(&entry.actor).cloned();
    }
    Ok(HttpResponse::Ok().json(out))
}

/// The ledger rows of a place (also after it was deleted).
#[utoipa::path(
    tag = "places",
    params(("id" = schema::PlaceId, Path, description = "Place id"), HistoryQuery),
    responses((status = 200, description = "One page of ledger rows, oldest first", body = PageOut<HistoryEntryOut>))
)]
#[get("/places/{id}/history")]
pub async fn place_history(
    ctx: Ctx,
    id: web::Path<String>,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let id: PlaceId = path_id("id", &id)?;
    history(ctx, id.object_id(), query.into_inner()).await
}

/// The ledger rows of a box (also after it was deleted).
#[utoipa::path(
    tag = "boxes",
    params(("id" = schema::BoxId, Path, description = "Box id"), HistoryQuery),
    responses((status = 200, description = "One page of ledger rows, oldest first", body = PageOut<HistoryEntryOut>))
)]
#[get("/boxes/{id}/history")]
pub async fn box_history(
    ctx: Ctx,
    id: web::Path<String>,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let id: BoxId = path_id("id", &id)?;
    history(ctx, id.object_id(), query.into_inner()).await
}

/// The ledger rows of an item (also after it was deleted).
#[utoipa::path(
    tag = "items",
    params(("id" = schema::ItemId, Path, description = "Item id"), HistoryQuery),
    responses((status = 200, description = "One page of ledger rows, oldest first", body = PageOut<HistoryEntryOut>))
)]
#[get("/items/{id}/history")]
pub async fn item_history(
    ctx: Ctx,
    id: web::Path<String>,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let id: ItemId = path_id("id", &id)?;
    history(ctx, id.object_id(), query.into_inner()).await
}

/// The ledger rows of an order (also after it was deleted).
#[utoipa::path(
    tag = "orders",
    params(("id" = schema::OrderId, Path, description = "Order id"), HistoryQuery),
    responses((status = 200, description = "One page of ledger rows, oldest first", body = PageOut<HistoryEntryOut>))
)]
#[get("/orders/{id}/history")]
pub async fn order_history(
    ctx: Ctx,
    id: web::Path<String>,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let id: OrderId = path_id("id", &id)?;
    history(ctx, id.object_id(), query.into_inner()).await
}
