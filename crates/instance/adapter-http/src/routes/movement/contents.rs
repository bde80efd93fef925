//! What a place or a box holds: one page of its contents, by id.

use actix_web::{HttpResponse, get, web};
use eckwms_application::ports::ContentEntry;
use eckwms_domain::{BoxId, Movable, ObjectId, Parent, PlaceId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::dto::PageOut;
use crate::extract::{Ctx, QueryCheck, path_id};
use crate::problem::ApiError;
use crate::schema;

/// Kind of a movable object.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MovableKind {
    Item,
    Box,
}

fn movable_kind(m: Movable) -> MovableKind {
    match m {
        Movable::Item(_) => MovableKind::Item,
        Movable::Box(_) => MovableKind::Box,
    }
}

/// One object inside a container.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContentEntryOut {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: MovableKind,
    pub name: Option<String>,
    pub parent: String,
}

impl From<ContentEntry> for ContentEntryOut {
    fn from(e: ContentEntry) -> Self {
        Self {
            id: e.object.to_string(),
            kind: movable_kind(e.object),
            name: e.name,
            parent: e.parent.to_string(),
        }
    }
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
    let (services, actor) = (ctx.services, ctx.meta.actor);
    let result = services
        .run(move |s| s.movement.contents(&actor, container, recursive, &page))
        .await?;
    Ok(HttpResponse::Ok().json(PageOut::from_page(result, ContentEntryOut::from)))
}

/// What a place holds.
#[utoipa::path(
    tag = "places",
    params(("id" = schema::PlaceId, Path, description = "Place id"), ContentsQuery),
    responses((status = 200, description = "One page of contents, by id", body = PageOut<ContentEntryOut>))
)]
#[get("/places/{id}/contents")]
pub async fn place_contents(
    ctx: Ctx,
    id: web::Path<String>,
    query: web::Query<ContentsQuery>,
) -> Result<HttpResponse, ApiError> {
    let id: PlaceId = path_id("id", &id)?;
    contents(ctx, Parent::Place(id), query.into_inner()).await
}

/// What a box holds.
#[utoipa::path(
    tag = "boxes",
    params(("id" = schema::BoxId, Path, description = "Box id"), ContentsQuery),
    responses((status = 200, description = "One page of contents, by id", body = PageOut<ContentEntryOut>))
)]
#[get("/boxes/{id}/contents")]
pub async fn box_contents(
    ctx: Ctx,
    id: web::Path<String>,
    query: web::Query<ContentsQuery>,
) -> Result<HttpResponse, ApiError> {
    let id: BoxId = path_id("id", &id)?;
    contents(ctx, Parent::Box(id), query.into_inner()).await
}
