//! Places: storage locations. They never move; rack cells are places too.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use eckwms_application::ports::PlaceFilter;
use eckwms_domain::{Name, NewPlace, Place, PlaceId, PlacePatch, PlaceRole, RackId, WarehouseId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::dto::{Check, Field, PageOut};
use crate::extract::{Ctx, IfMatch, Json, QueryCheck, created, ok_with_etag, path_id};
use crate::problem::ApiError;
use crate::schema;

/// What a place is for in the repair workflow: `intake` (an RMA order's box moved here makes
/// the order `received`), `shipped` (makes it `shipped`), `quarantine`.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlaceRoleDto {
    Intake,
    Shipped,
    Quarantine,
}

impl From<PlaceRole> for PlaceRoleDto {
    fn from(r: PlaceRole) -> Self {
        match r {
            PlaceRole::Intake => PlaceRoleDto::Intake,
            PlaceRole::Shipped => PlaceRoleDto::Shipped,
            PlaceRole::Quarantine => PlaceRoleDto::Quarantine,
        }
    }
}

const ROLE_MESSAGE: &str = "must be intake, shipped or quarantine";

#[derive(Debug, Serialize, ToSchema)]
pub struct RackCellOut {
    pub rack_id: i64,
    /// Cell index within the rack, from 0.
    pub index: u32,
    pub column: u32,
    pub row: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlaceOut {
    #[schema(example = "p000000000000000030")]
    pub id: String,
    pub warehouse_id: i64,
    pub name: String,
    /// The rack cell this place is, if any.
    pub rack: Option<RackCellOut>,
    /// Its role in the repair workflow; `null`: none.
    pub role: Option<PlaceRoleDto>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Place> for PlaceOut {
    fn from(p: Place) -> Self {
        Self {
            id: p.id.to_string(),
            warehouse_id: p.warehouse_id.0,
            name: p.name.into_string(),
            rack: p.rack.map(|c| RackCellOut {
                rack_id: c.rack_id.0,
                index: c.index,
                column: c.column,
                row: c.row,
            }),
            role: p.role.map(Into::into),
            version: p.meta.version,
            created_at: p.meta.created_at,
            updated_at: p.meta.updated_at,
        }
    }
}

fn default_warehouse() -> i64 {
    1
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePlaceIn {
    /// 1 by default.
    #[serde(default = "default_warehouse")]
    #[schema(value_type = schema::Serial)]
    pub warehouse_id: i64,
    #[schema(value_type = schema::NameText)]
    pub name: String,
}

impl CreatePlaceIn {
    fn into_domain(self) -> Result<NewPlace, ApiError> {
        let mut c = Check::new();
        let warehouse_id = c.positive("warehouse_id", self.warehouse_id);
        let name: Option<Name> = c.text("name", self.name);
        c.finish()?;
        let (Some(warehouse_id), Some(name)) = (warehouse_id, name) else {
            return Err(c.error());
        };
        Ok(NewPlace {
            warehouse_id: WarehouseId(warehouse_id),
            name,
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchPlaceIn {
    /// Not `null`: a place always has a name.
    #[serde(default)]
    #[schema(value_type = schema::NameText)]
    pub name: Field<String>,
    /// Its role in the repair workflow; `null` takes it away. Several places may share one.
    #[serde(default)]
    #[schema(value_type = Option<PlaceRoleDto>)]
    pub role: Field<String>,
}

impl PatchPlaceIn {
    fn into_domain(self) -> Result<PlacePatch, ApiError> {
        let mut c = Check::new();
        let name = c
            .patch_value("name", self.name)
            .and_then(|v| c.text("name", v));
        let role = match self.role {
            Field::Absent => None,
            Field::Null => Some(None),
            Field::Value(text) => match PlaceRole::parse(&text) {
                Some(role) => Some(Some(role)),
                None => {
                    c.push("role", ROLE_MESSAGE);
                    None
                }
            },
        };
        c.finish()?;
        Ok(PlacePatch { name, role })
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PlaceListQuery {
    /// Only places of this warehouse.
    #[param(value_type = Option<schema::Serial>)]
    pub warehouse: Option<String>,
    /// Only the cells of this rack.
    #[param(value_type = Option<schema::Serial>)]
    pub rack: Option<String>,
    /// Only the places of this role.
    #[param(value_type = Option<PlaceRoleDto>)]
    pub role: Option<String>,
    /// Page size, 1 to 500 (default 50).
    #[param(value_type = Option<schema::PageLimit>)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<schema::PlaceId>)]
    pub cursor: Option<String>,
}

/// Create a place.
#[utoipa::path(
    tag = "places",
    responses((status = 201, description = "The new place", body = PlaceOut,
        headers(("Location" = String), ("ETag" = String))))
)]
#[post("/places")]
pub async fn create_place(ctx: Ctx, body: Json<CreatePlaceIn>) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().into_domain()?;
    let Ctx { services, meta } = ctx;
    let p = services
        .run(move |s| s.catalog.create_place(&new, &meta))
        .await?;
    Ok(created(format!("/api/v1/places/{}", p.id), Some(p.meta.version)).json(PlaceOut::from(p)))
}

/// List places by id.
#[utoipa::path(
    tag = "places",
    params(PlaceListQuery),
    responses((status = 200, description = "One page of places", body = PageOut<PlaceOut>))
)]
#[get("/places")]
pub async fn list_places(
    ctx: Ctx,
    query: web::Query<PlaceListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let mut check = QueryCheck::new();
    let filter = PlaceFilter {
        warehouse: check
            .int("warehouse", q.warehouse.as_deref())
            .map(WarehouseId),
        rack: check.int("rack", q.rack.as_deref()).map(RackId),
        role: q.role.as_deref().and_then(|text| {
            let role = PlaceRole::parse(text);
            if role.is_none() {
                check.reject("role", ROLE_MESSAGE);
            }
            role
        }),
    };
    let cursor = check.id::<PlaceId>("cursor", q.cursor.as_deref());
    let page = check.page(cursor, q.limit.as_deref())?;
    let (services, actor) = (ctx.services, ctx.meta.actor);
    let result = services
        .run(move |s| s.catalog.list_places(&actor, &filter, &page))
        .await?;
    Ok(HttpResponse::Ok().json(PageOut::from_page(result, PlaceOut::from)))
}

/// Read a place.
#[utoipa::path(
    tag = "places",
    params(("id" = schema::PlaceId, Path, description = "Place id")),
    responses((status = 200, description = "The PlaceOut and its version", body = PlaceOut, headers(("ETag" = String))))
)]
#[get("/places/{id}")]
pub async fn get_place(ctx: Ctx, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id: PlaceId = path_id("id", &id)?;
    let (services, actor) = (ctx.services, ctx.meta.actor);
    let p = services
        .run(move |s| s.catalog.get_place(&actor, id))
        .await?;
    Ok(ok_with_etag(p.meta.version).json(PlaceOut::from(p)))
}

/// Rename a place.
#[utoipa::path(
    tag = "places",
    params(
        ("id" = schema::PlaceId, Path, description = "Place id"),
        ("If-Match" = String, Header, description = "The ETag read, like \"3\", or *")
    ),
    responses((status = 200, description = "The PlaceOut and its version", body = PlaceOut, headers(("ETag" = String))))
)]
#[patch("/places/{id}")]
pub async fn update_place(
    ctx: Ctx,
    id: web::Path<String>,
    if_match: IfMatch,
    body: Json<PatchPlaceIn>,
) -> Result<HttpResponse, ApiError> {
    let id: PlaceId = path_id("id", &id)?;
    let patch = body.into_inner().into_domain()?;
    let Ctx { services, meta } = ctx;
    let p = services
        .run(move |s| s.catalog.update_place(id, if_match.0, &patch, &meta))
        .await?;
    Ok(ok_with_etag(p.meta.version).json(PlaceOut::from(p)))
}

/// Delete an empty place.
#[utoipa::path(
    tag = "places",
    params(
        ("id" = schema::PlaceId, Path, description = "Place id"),
        ("If-Match" = String, Header, description = "The ETag read, like \"3\", or *")
    ),
    responses((status = 204, description = "Deleted"))
)]
#[delete("/places/{id}")]
pub async fn delete_place(
    ctx: Ctx,
    id: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id: PlaceId = path_id("id", &id)?;
    let Ctx { services, meta } = ctx;
    services
        .run(move |s| s.catalog.delete_place(id, if_match.0, &meta))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
