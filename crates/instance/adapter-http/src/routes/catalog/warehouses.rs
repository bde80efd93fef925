//! Warehouses and racks: configuration numbered by plain integers.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use eckwms_domain::{Code, RackLayout};
use eckwms_domain::{
    Name, NewRack, NewWarehouse, Rack, RackId, RackPatch, Text, Warehouse, WarehouseId,
    WarehousePatch, check_rotation,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::dto::{Check, Field, PageOut};
use crate::extract::{Ctx, IfMatch, Json, QueryCheck, created, ok_with_etag, path_int};
use crate::problem::ApiError;
use crate::schema;

// ---------------------------------------------------------------- DTOs

#[derive(Debug, Serialize, ToSchema)]
pub struct WarehouseOut {
    pub id: i64,
    pub name: String,
    /// Added to rack cell numbers to give the place ids of this warehouse.
    pub id_offset: u64,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Warehouse> for WarehouseOut {
    fn from(w: Warehouse) -> Self {
        Self {
            id: w.id.0,
            name: w.name.into_string(),
            id_offset: w.id_offset,
            version: w.meta.version,
            created_at: w.meta.created_at,
            updated_at: w.meta.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWarehouseIn {
    #[schema(value_type = schema::NameText, example = "Main warehouse")]
    pub name: String,
    /// Added to rack cell numbers to give place ids; 0 by default.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 999_999_999_999_999_999_i64)]
    pub id_offset: i64,
}

impl CreateWarehouseIn {
    fn into_domain(self) -> Result<NewWarehouse, ApiError> {
        let mut c = Check::new();
        let name: Option<Name> = c.text("name", self.name);
        let id_offset = match u64::try_from(self.id_offset) {
            Ok(offset) => Some(offset),
            Err(_) => {
                c.push("id_offset", "must not be negative");
                None
            }
        };
        c.finish()?;
        let (Some(name), Some(id_offset)) = (name, id_offset) else {
            return Err(c.error());
        };
        let new = c.domain(NewWarehouse::new(name, id_offset));
        c.finish()?;
        new.ok_or_else(|| c.error())
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchWarehouseIn {
    #[serde(default)]
    #[schema(value_type = schema::NameText)]
    pub name: Field<String>,
}

impl PatchWarehouseIn {
    fn into_domain(self) -> Result<WarehousePatch, ApiError> {
        let mut c = Check::new();
        let name = c
            .patch_value("name", self.name)
            .and_then(|v| c.text("name", v));
        c.finish()?;
        Ok(WarehousePatch { name })
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WarehouseListQuery {
    /// Page size, 1 to 500 (default 50).
    #[param(value_type = Option<schema::PageLimit>)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<schema::Serial>)]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RackOut {
    pub id: i64,
    pub warehouse_id: i64,
    pub name: String,
    pub prefix: Option<String>,
    pub columns: u32,
    pub rows: u32,
    pub start_index: u64,
    pub sort_order: i32,
    pub pos_x: i32,
    pub pos_y: i32,
    /// Degrees, 0 to 359.
    pub rotation: i32,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Rack> for RackOut {
    fn from(r: Rack) -> Self {
        Self {
            id: r.id.0,
            warehouse_id: r.warehouse_id.0,
            name: r.name.into_string(),
            prefix: r.prefix.map(Text::into_string),
            columns: r.layout.columns(),
            rows: r.layout.rows(),
            start_index: r.layout.start_index(),
            sort_order: r.sort_order,
            pos_x: r.pos_x,
            pos_y: r.pos_y,
            rotation: r.rotation,
            version: r.meta.version,
            created_at: r.meta.created_at,
            updated_at: r.meta.updated_at,
        }
    }
}

/// A new rack and the ids of the places made for its cells.
#[derive(Debug, Serialize, ToSchema)]
pub struct RackCreatedOut {
    #[serde(flatten)]
    pub rack: RackOut,
    pub places: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRackIn {
    #[schema(value_type = schema::Serial)]
    pub warehouse_id: i64,
    #[schema(value_type = schema::NameText)]
    pub name: String,
    /// Names the cell places (`<prefix>-<row>-<column>`); the rack name when absent.
    #[schema(value_type = Option<schema::CodeText>)]
    pub prefix: Option<String>,
    /// 1 to 1000; a rack has at most 10,000 cells (columns x rows).
    #[schema(minimum = 1, maximum = 1000)]
    pub columns: i64,
    /// 1 to 1000; a rack has at most 10,000 cells (columns x rows).
    #[schema(minimum = 1, maximum = 1000)]
    pub rows: i64,
    /// The number of the first cell, added to the warehouse's `id_offset`.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 999_999_999_999_999_999_i64)]
    pub start_index: i64,
    #[serde(default)]
    pub sort_order: i32,
    #[serde(default)]
    pub pos_x: i32,
    #[serde(default)]
    pub pos_y: i32,
    /// Degrees, 0 to 359.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 359)]
    pub rotation: i32,
}

impl CreateRackIn {
    fn into_domain(self) -> Result<NewRack, ApiError> {
        let mut c = Check::new();
        let warehouse_id = c.positive("warehouse_id", self.warehouse_id);
        let name: Option<Name> = c.text("name", self.name);
        let prefix: Option<Code> = c.opt_text("prefix", self.prefix);
        let layout = c.domain(RackLayout::new(self.columns, self.rows, self.start_index));
        c.take(check_rotation("rotation", self.rotation));
        c.finish()?;
        let (Some(warehouse_id), Some(name), Some(layout)) = (warehouse_id, name, layout) else {
            return Err(c.error());
        };
        Ok(NewRack {
            warehouse_id: WarehouseId(warehouse_id),
            name,
            prefix,
            layout,
            sort_order: self.sort_order,
            pos_x: self.pos_x,
            pos_y: self.pos_y,
            rotation: self.rotation,
        })
    }
}

/// Every field is optional; none may be `null`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchRackIn {
    #[serde(default)]
    #[schema(value_type = schema::NameText)]
    pub name: Field<String>,
    #[serde(default)]
    #[schema(value_type = i32)]
    pub sort_order: Field<i32>,
    #[serde(default)]
    #[schema(value_type = i32)]
    pub pos_x: Field<i32>,
    #[serde(default)]
    #[schema(value_type = i32)]
    pub pos_y: Field<i32>,
    /// Degrees, 0 to 359.
    #[serde(default)]
    #[schema(value_type = i32, minimum = 0, maximum = 359)]
    pub rotation: Field<i32>,
}

impl PatchRackIn {
    fn into_domain(self) -> Result<RackPatch, ApiError> {
        let mut c = Check::new();
        let name = c
            .patch_value("name", self.name)
            .and_then(|v| c.text("name", v));
        let sort_order = c.patch_value("sort_order", self.sort_order);
        let pos_x = c.patch_value("pos_x", self.pos_x);
        let pos_y = c.patch_value("pos_y", self.pos_y);
        let rotation = c.patch_value("rotation", self.rotation);
        if let Some(r) = rotation {
            c.take(check_rotation("rotation", r));
        }
        c.finish()?;
        Ok(RackPatch {
            name,
            sort_order,
            pos_x,
            pos_y,
            rotation,
        })
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RackListQuery {
    /// Only racks of this warehouse.
    #[param(value_type = Option<schema::Serial>)]
    pub warehouse: Option<String>,
    /// Page size, 1 to 500 (default 50).
    #[param(value_type = Option<schema::PageLimit>)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<schema::Serial>)]
    pub cursor: Option<String>,
}

// ---------------------------------------------------------------- warehouse handlers

/// Create a warehouse.
#[utoipa::path(
    tag = "warehouses",
    responses((status = 201, description = "The new warehouse", body = WarehouseOut,
        headers(("Location" = String), ("ETag" = String))))
)]
#[post("/warehouses")]
pub async fn create_warehouse(
    ctx: Ctx,
    body: Json<CreateWarehouseIn>,
) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().into_domain()?;
    let Ctx { services, meta } = ctx;
    let w = services
        .run(move |s| s.catalog.create_warehouse(&new, &meta))
        .await?;
    Ok(
        created(format!("/api/v1/warehouses/{}", w.id), Some(w.meta.version))
            .json(WarehouseOut::from(w)),
    )
}

/// List warehouses by id.
#[utoipa::path(
    tag = "warehouses",
    params(WarehouseListQuery),
    responses((status = 200, description = "One page of warehouses", body = PageOut<WarehouseOut>))
)]
#[get("/warehouses")]
pub async fn list_warehouses(
    ctx: Ctx,
    query: web::Query<WarehouseListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let mut check = QueryCheck::new();
    let cursor = check.int("cursor", q.cursor.as_deref()).map(WarehouseId);
    let page = check.page(cursor, q.limit.as_deref())?;
    let (services, actor) = (ctx.services, ctx.meta.actor);
    let result = services
        .run(move |s| s.catalog.list_warehouses(&actor, &page))
        .await?;
    Ok(HttpResponse::Ok().json(PageOut::from_page(result, WarehouseOut::from)))
}

/// Read a warehouse.
#[utoipa::path(
    tag = "warehouses",
    params(("id" = schema::Serial, Path, description = "Warehouse id")),
    responses((status = 200, description = "The WarehouseOut and its version", body = WarehouseOut, headers(("ETag" = String))))
)]
#[get("/warehouses/{id}")]
pub async fn get_warehouse(ctx: Ctx, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = WarehouseId(path_int("id", &id)?);
    let (services, actor) = (ctx.services, ctx.meta.actor);
    let w = services
        .run(move |s| s.catalog.get_warehouse(&actor, id))
        .await?;
    Ok(ok_with_etag(w.meta.version).json(WarehouseOut::from(w)))
}

/// Rename a warehouse.
#[utoipa::path(
    tag = "warehouses",
    params(("id" = schema::Serial, Path, description = "Warehouse id"), ("If-Match" = String, Header, description = "The ETag read, like \"3\", or *")),
    responses((status = 200, description = "The WarehouseOut and its version", body = WarehouseOut, headers(("ETag" = String))))
)]
#[patch("/warehouses/{id}")]
pub async fn update_warehouse(
    ctx: Ctx,
    id: web::Path<String>,
    if_match: IfMatch,
    body: Json<PatchWarehouseIn>,
) -> Result<HttpResponse, ApiError> {
    let id = WarehouseId(path_int("id", &id)?);
    let patch = body.into_inner().into_domain()?;
    let Ctx { services, meta } = ctx;
    let w = services
        .run(move |s| s.catalog.update_warehouse(id, if_match.0, &patch, &meta))
        .await?;
    Ok(ok_with_etag(w.meta.version).json(WarehouseOut::from(w)))
}

/// Delete an empty warehouse (no places, no racks).
#[utoipa::path(
    tag = "warehouses",
    params(("id" = schema::Serial, Path, description = "Warehouse id"), ("If-Match" = String, Header, description = "The ETag read, like \"3\", or *")),
    responses((status = 204, description = "Deleted"))
)]
#[delete("/warehouses/{id}")]
pub async fn delete_warehouse(
    ctx: Ctx,
    id: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = WarehouseId(path_int("id", &id)?);
    let Ctx { services, meta } = ctx;
    services
        .run(move |s| s.catalog.delete_warehouse(id, if_match.0, &meta))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

// ---------------------------------------------------------------- rack handlers

/// Create a rack; one place is made per cell.
#[utoipa::path(
    tag = "racks",
    responses((status = 201, description = "The new rack and its places", body = RackCreatedOut,
        headers(("Location" = String), ("ETag" = String))))
)]
#[post("/racks")]
pub async fn create_rack(ctx: Ctx, body: Json<CreateRackIn>) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().into_domain()?;
    let Ctx { services, meta } = ctx;
    let made = services
        .run(move |s| s.catalog.create_rack(&new, &meta))
        .await?;
    let location = format!("/api/v1/racks/{}", made.rack.id);
    let version = made.rack.meta.version;
    Ok(created(location, Some(version)).json(RackCreatedOut {
        rack: made.rack.into(),
        places: made.places.iter().map(ToString::to_string).collect(),
    }))
}

/// List racks by id.
#[utoipa::path(
    tag = "racks",
    params(RackListQuery),
    responses((status = 200, description = "One page of racks", body = PageOut<RackOut>))
)]
#[get("/racks")]
pub async fn list_racks(
    ctx: Ctx,
    query: web::Query<RackListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let mut check = QueryCheck::new();
    let warehouse = check
        .int("warehouse", q.warehouse.as_deref())
        .map(WarehouseId);
    let cursor = check.int("cursor", q.cursor.as_deref()).map(RackId);
    let page = check.page(cursor, q.limit.as_deref())?;
    let (services, actor) = (ctx.services, ctx.meta.actor);
    let result = services
        .run(move |s| s.catalog.list_racks(&actor, warehouse, &page))
        .await?;
    Ok(HttpResponse::Ok().json(PageOut::from_page(result, RackOut::from)))
}

/// Read a rack.
#[utoipa::path(
    tag = "racks",
    params(("id" = schema::Serial, Path, description = "Rack id")),
    responses((status = 200, description = "The RackOut and its version", body = RackOut, headers(("ETag" = String))))
)]
#[get("/racks/{id}")]
pub async fn get_rack(ctx: Ctx, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = RackId(path_int("id", &id)?);
    let (services, actor) = (ctx.services, ctx.meta.actor);
    let r = services
        .run(move |s| s.catalog.get_rack(&actor, id))
        .await?;
    Ok(ok_with_etag(r.meta.version).json(RackOut::from(r)))
}

/// Change a rack's name, order or floor-plan position.
#[utoipa::path(
    tag = "racks",
    params(("id" = schema::Serial, Path, description = "Rack id"), ("If-Match" = String, Header, description = "The ETag read, like \"3\", or *")),
    responses((status = 200, description = "The RackOut and its version", body = RackOut, headers(("ETag" = String))))
)]
#[patch("/racks/{id}")]
pub async fn update_rack(
    ctx: Ctx,
    id: web::Path<String>,
    if_match: IfMatch,
    body: Json<PatchRackIn>,
) -> Result<HttpResponse, ApiError> {
    let id = RackId(path_int("id", &id)?);
    let patch = body.into_inner().into_domain()?;
    let Ctx { services, meta } = ctx;
    let r = services
        .run(move |s| s.catalog.update_rack(id, if_match.0, &patch, &meta))
        .await?;
    Ok(ok_with_etag(r.meta.version).json(RackOut::from(r)))
}

/// Delete a rack and its places; refused while any place holds something.
#[utoipa::path(
    tag = "racks",
    params(("id" = schema::Serial, Path, description = "Rack id"), ("If-Match" = String, Header, description = "The ETag read, like \"3\", or *")),
    responses((status = 204, description = "Deleted"))
)]
#[delete("/racks/{id}")]
pub async fn delete_rack(
    ctx: Ctx,
    id: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = RackId(path_int("id", &id)?);
    let Ctx { services, meta } = ctx;
    services
        .run(move |s| s.catalog.delete_rack(id, if_match.0, &meta))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
