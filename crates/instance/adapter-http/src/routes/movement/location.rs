//! Where an item or a box is: its containers from the innermost up to the place, and the
//! warehouse.

use actix_web::{HttpResponse, get, web};
use eckwms_application::ports::{Location, PathStep};
use eckwms_domain::{BoxId, ItemId, Movable, Parent};
use serde::Serialize;
use utoipa::ToSchema;

use crate::extract::{Ctx, path_id};
use crate::problem::ApiError;
use crate::schema;

/// Kind of a container.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContainerKind {
    Box,
    Place,
}

fn container_kind(p: Parent) -> ContainerKind {
    match p {
        Parent::Box(_) => ContainerKind::Box,
        Parent::Place(_) => ContainerKind::Place,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PathStepOut {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: ContainerKind,
    pub name: Option<String>,
}

impl From<PathStep> for PathStepOut {
    fn from(s: PathStep) -> Self {
        Self {
            id: s.container.to_string(),
            kind: container_kind(s.container),
            name: s.name,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WarehouseRefOut {
    pub id: i64,
    pub name: String,
}

/// Where an object is: its containers from the innermost up to the place, and the warehouse.
#[derive(Debug, Serialize, ToSchema)]
pub struct LocationOut {
    pub object: String,
    pub path: Vec<PathStepOut>,
    pub place: Option<String>,
    pub warehouse: Option<WarehouseRefOut>,
}

impl From<Location> for LocationOut {
    fn from(l: Location) -> Self {
        Self {
            object: l.object.to_string(),
            path: l.path.into_iter().map(PathStepOut::from).collect(),
            place: l.place.map(|p| p.to_string()),
            warehouse: l.warehouse.map(|w| WarehouseRefOut {
                id: w.id.0,
                name: w.name.into_string(),
            }),
        }
    }
}

/// Where an item or box is.
pub async fn location(ctx: Ctx, object: Movable) -> Result<HttpResponse, ApiError> {
    let (services, actor) = (ctx.services, ctx.meta.actor);
    let found = services
        .run(move |s| s.movement.location(&actor, object))
        .await?;
    Ok(HttpResponse::Ok().json(LocationOut::from(found)))
}

/// Where a box is.
#[utoipa::path(
    tag = "boxes",
    params(("id" = schema::BoxId, Path, description = "Box id")),
    responses((status = 200, description = "Where it is", body = LocationOut))
)]
#[get("/boxes/{id}/location")]
pub async fn box_location(ctx: Ctx, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id: BoxId = path_id("id", &id)?;
    location(ctx, Movable::Box(id)).await
}

/// Where an item is.
#[utoipa::path(
    tag = "items",
    params(("id" = schema::ItemId, Path, description = "Item id")),
    responses((status = 200, description = "Where it is", body = LocationOut))
)]
#[get("/items/{id}/location")]
pub async fn item_location(ctx: Ctx, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id: ItemId = path_id("id", &id)?;
    location(ctx, Movable::Item(id)).await
}
