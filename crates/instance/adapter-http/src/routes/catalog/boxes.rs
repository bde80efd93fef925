//! Boxes: containers that sit in another box or at a place.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use eckwms_application::ports::BoxFilter;
use eckwms_domain::{Barcodes, BoxId, BoxPatch, Name, NewBox, OrderId, OrderStatus};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::dto::{BoxOut, Check, Field, PageOut};
use crate::extract::{Ctx, IfMatch, Json, QueryCheck, created, ok_with_etag, path_id};
use crate::problem::ApiError;
use crate::routes::orders::OrderStatusDto;
use crate::schema;

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBoxIn {
    #[schema(value_type = Option<schema::NameText>)]
    pub name: Option<String>,
    /// A box or place id to put the new box in.
    #[schema(value_type = Option<schema::ParentId>)]
    pub parent: Option<String>,
    /// Extra barcodes (a carrier's tracking label, a customer's code), unique.
    #[schema(value_type = Option<schema::BarcodeList>)]
    pub barcodes: Option<Vec<String>>,
}

impl CreateBoxIn {
    fn into_domain(self) -> Result<NewBox, ApiError> {
        let mut c = Check::new();
        let name: Option<Name> = c.opt_text("name", self.name);
        let parent = self.parent.and_then(|p| c.parent("parent", &p));
        let barcodes = self
            .barcodes
            .and_then(|v| c.take(Barcodes::new("barcodes", v)))
            .unwrap_or_default();
        c.finish()?;
        Ok(NewBox {
            name,
            parent,
            barcodes,
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchBoxIn {
    /// `null` clears the name.
    #[serde(default)]
    #[schema(value_type = Option<schema::NameText>)]
    pub name: Field<String>,
    /// Replaces all extra barcodes (not `null`; `[]` removes them).
    #[serde(default)]
    #[schema(value_type = schema::BarcodeList)]
    pub barcodes: Field<Vec<String>>,
}

impl PatchBoxIn {
    fn into_domain(self) -> Result<BoxPatch, ApiError> {
        let mut c = Check::new();
        let name = c.patch_nullable_text("name", self.name);
        let barcodes = c
            .patch_value("barcodes", self.barcodes)
            .and_then(|v| c.take(Barcodes::new("barcodes", v)));
        c.finish()?;
        Ok(BoxPatch { name, barcodes })
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BoxListQuery {
    /// Only boxes directly in this box or place.
    #[param(value_type = Option<schema::ParentId>)]
    pub parent: Option<String>,
    /// Only boxes of this order.
    #[param(value_type = Option<schema::OrderId>)]
    pub order: Option<String>,
    /// Only boxes linked to an order in one of these statuses, comma-separated:
    /// `received,processed` lists the boxes received but not shipped yet.
    #[param(value_type = Option<Vec<OrderStatusDto>>, style = Form, explode = false, min_items = 1)]
    pub order_status: Option<String>,
    /// Page size, 1 to 500 (default 50).
    #[param(value_type = Option<schema::PageLimit>)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<schema::BoxId>)]
    pub cursor: Option<String>,
}

/// Create a box.
#[utoipa::path(
    tag = "boxes",
    responses((status = 201, description = "The new box", body = BoxOut,
        headers(("Location" = String), ("ETag" = String))))
)]
#[post("/boxes")]
pub async fn create_box(ctx: Ctx, body: Json<CreateBoxIn>) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().into_domain()?;
    let Ctx { services, meta } = ctx;
    let b = services
        .run(move |s| s.catalog.create_box(&new, &meta))
        .await?;
    Ok(created(format!("/api/v1/boxes/{}", b.id), Some(b.meta.version)).json(BoxOut::from(b)))
}

/// List boxes by id.
#[utoipa::path(
    tag = "boxes",
    params(BoxListQuery),
    responses((status = 200, description = "One page of boxes", body = PageOut<BoxOut>))
)]
#[get("/boxes")]
pub async fn list_boxes(
    ctx: Ctx,
    query: web::Query<BoxListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let mut check = QueryCheck::new();
    let filter = BoxFilter {
        parent: check.parent("parent", q.parent.as_deref()),
        order: check.id::<OrderId>("order", q.order.as_deref()),
        order_status: order_statuses(&mut check, q.order_status.as_deref()),
    };
    let cursor = check.id::<BoxId>("cursor", q.cursor.as_deref());
    let page = check.page(cursor, q.limit.as_deref())?;
    let (services, actor) = (ctx.services, ctx.meta.actor);
    let result = services
        .run(move |s| s.catalog.list_boxes(&actor, &filter, &page))
        .await?;
    Ok(HttpResponse::Ok().json(PageOut::from_page(result, BoxOut::from)))
}

/// The statuses of `order_status`: a comma-separated list, each a status, in any order (one
/// named twice counts once).
fn order_statuses(check: &mut QueryCheck, raw: Option<&str>) -> Vec<OrderStatus> {
    let Some(raw) = raw else {
        return Vec::new();
    };
    let parsed: Option<Vec<OrderStatus>> = raw.split(',').map(OrderStatus::parse).collect();
    match parsed {
        Some(mut statuses) => {
            statuses.sort();
            statuses.dedup();
            statuses
        }
        None => {
            check.reject(
                "order_status",
                "must be one or more of created, received, processed, shipped, comma-separated",
            );
            Vec::new()
        }
    }
}

/// Read a box.
#[utoipa::path(
    tag = "boxes",
    params(("id" = schema::BoxId, Path, description = "Box id")),
    responses((status = 200, description = "The BoxOut and its version", body = BoxOut, headers(("ETag" = String))))
)]
#[get("/boxes/{id}")]
pub async fn get_box(ctx: Ctx, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id: BoxId = path_id("id", &id)?;
    let (services, actor) = (ctx.services, ctx.meta.actor);
    let b = services.run(move |s| s.catalog.get_box(&actor, id)).await?;
    Ok(ok_with_etag(b.meta.version).json(BoxOut::from(b)))
}

/// Rename a box (`null` clears the name).
#[utoipa::path(
    tag = "boxes",
    params(
        ("id" = schema::BoxId, Path, description = "Box id"),
        ("If-Match" = String, Header, description = "The ETag read, like \"3\", or *")
    ),
    responses((status = 200, description = "The BoxOut and its version", body = BoxOut, headers(("ETag" = String))))
)]
#[patch("/boxes/{id}")]
pub async fn update_box(
    ctx: Ctx,
    id: web::Path<String>,
    if_match: IfMatch,
    body: Json<PatchBoxIn>,
) -> Result<HttpResponse, ApiError> {
    let id: BoxId = path_id("id", &id)?;
    let patch = body.into_inner().into_domain()?;
    let Ctx { services, meta } = ctx;
    let b = services
        .run(move |s| s.catalog.update_box(id, if_match.0, &patch, &meta))
        .await?;
    Ok(ok_with_etag(b.meta.version).json(BoxOut::from(b)))
}

/// Delete an empty box.
#[utoipa::path(
    tag = "boxes",
    params(
        ("id" = schema::BoxId, Path, description = "Box id"),
        ("If-Match" = String, Header, description = "The ETag read, like \"3\", or *")
    ),
    responses((status = 204, description = "Deleted"))
)]
#[delete("/boxes/{id}")]
pub async fn delete_box(
    ctx: Ctx,
    id: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id: BoxId = path_id("id", &id)?;
    let Ctx { services, meta } = ctx;
    services
        .run(move |s| s.catalog.delete_box(id, if_match.0, &meta))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
