//! Roles and the permission catalogue: reading them needs `settings.view`; creating, changing
//! and deleting roles `core.admin`, and nobody grants a permission they lack.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use eckwms_application::access::{NewRoleInput, RoleOut, RolePatchInput};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::dto::ListOut;
use crate::extract::{Ctx, IfMatch, Json, created, ok_with_etag};
use crate::problem::ApiError;
use crate::schema;

/// Registers the role and permission routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_permissions)
        .service(list_roles)
        .service(create_role)
        .service(get_role)
        .service(update_role)
        .service(delete_role);
}

/// A permission and what it allows.
#[derive(Debug, Serialize, ToSchema)]
pub struct PermissionOut {
    #[schema(value_type = schema::PermissionName)]
    pub name: String,
    pub description: String,
}

/// A role and the permissions it grants.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleOutDto {
    #[schema(value_type = schema::RoleName)]
    pub name: String,
    pub description: String,
    #[schema(value_type = Vec<schema::PermissionName>)]
    pub permissions: Vec<String>,
    /// Cannot be changed or deleted (`SUPER_ADMIN`, and the API key roles `read`, `write`,
    /// `admin`).
    pub fixed: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<RoleOut> for RoleOutDto {
    fn from(r: RoleOut) -> Self {
        Self {
            permissions: r
                .role
                .permissions
                .list()
                .into_iter()
                .map(|p| p.as_str().to_owned())
                .collect(),
            name: r.role.name,
            description: r.role.description,
            fixed: r.fixed,
            version: r.role.version,
            created_at: r.role.created_at,
            updated_at: r.role.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRoleIn {
    #[schema(value_type = schema::RoleName)]
    pub name: String,
    #[serde(default)]
    #[schema(value_type = Option<schema::RoleDescription>)]
    pub description: String,
    #[schema(value_type = Vec<schema::PermissionName>)]
    pub permissions: Vec<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRoleIn {
    #[schema(value_type = Option<schema::RoleDescription>)]
    pub description: Option<String>,
    /// The whole new set.
    #[schema(value_type = Option<Vec<schema::PermissionName>>)]
    pub permissions: Option<Vec<String>>,
}

/// Every permission, with a sentence on what it allows.
#[utoipa::path(
    tag = "roles",
    responses((status = 200, description = "Every permission", body = ListOut<PermissionOut>))
)]
#[get("/permissions")]
pub async fn list_permissions(ctx: Ctx) -> Result<HttpResponse, ApiError> {
    let (services, actor) = (ctx.services, ctx.meta.actor);
    let all = services
        .without_io(|s| s.roles.permissions(&actor))
        .map_err(crate::problem::from_app)?;
    Ok(HttpResponse::Ok().json(ListOut {
        items: all
            .iter()
            .map(|p| PermissionOut {
                name: p.as_str().to_owned(),
                description: p.about().to_owned(),
            })
            .collect::<Vec<_>>(),
    }))
}

/// Every role, by name.
#[utoipa::path(
    tag = "roles",
    responses((status = 200, description = "Every role", body = ListOut<RoleOutDto>))
)]
#[get("/roles")]
pub async fn list_roles(ctx: Ctx) -> Result<HttpResponse, ApiError> {
    let (services, actor) = (ctx.services, ctx.meta.actor);
    let roles = services.run(move |s| s.roles.list(&actor)).await?;
    Ok(HttpResponse::Ok().json(ListOut {
        items: roles.into_iter().map(RoleOutDto::from).collect::<Vec<_>>(),
    }))
}

/// Create a role.
#[utoipa::path(
    tag = "roles",
    responses(
        (status = 201, description = "The new role", body = RoleOutDto,
            headers(("Location" = String), ("ETag" = String))),
        (status = 409, description = "A role has this name (`role_exists`)",
            body = crate::problem::Problem, content_type = "application/problem+json")
    )
)]
#[post("/roles")]
pub async fn create_role(ctx: Ctx, body: Json<CreateRoleIn>) -> Result<HttpResponse, ApiError> {
    let CreateRoleIn {
        name,
        description,
        permissions,
    } = body.into_inner();
    let input = NewRoleInput {
        name,
        description,
        permissions,
    };
    let Ctx { services, meta } = ctx;
    let role = services.run(move |s| s.roles.create(&input, &meta)).await?;
    let location = format!("/api/v1/roles/{}", role.role.name);
    Ok(created(location, Some(role.role.version)).json(RoleOutDto::from(role)))
}

/// One role.
#[utoipa::path(
    tag = "roles",
    params(("name" = schema::RoleName, Path, description = "Role name")),
    responses((status = 200, description = "The role and its version", body = RoleOutDto,
        headers(("ETag" = String))))
)]
#[get("/roles/{name}")]
pub async fn get_role(ctx: Ctx, name: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let name = name.into_inner();
    let (services, actor) = (ctx.services, ctx.meta.actor);
    let role = services.run(move |s| s.roles.get(&actor, &name)).await?;
    Ok(ok_with_etag(role.role.version).json(RoleOutDto::from(role)))
}

/// Change a role's description or permissions; its users, devices and keys have the new
/// permissions with their next request.
#[utoipa::path(
    tag = "roles",
    params(
        ("name" = schema::RoleName, Path, description = "Role name"),
        ("If-Match" = String, Header, description = "The ETag read, like \"3\", or *")
    ),
    responses(
        (status = 200, description = "The changed role", body = RoleOutDto,
            headers(("ETag" = String))),
        (status = 409, description = "A fixed role (`role_protected`)",
            body = crate::problem::Problem, content_type = "application/problem+json")
    )
)]
#[patch("/roles/{name}")]
pub async fn update_role(
    ctx: Ctx,
    name: web::Path<String>,
    if_match: IfMatch,
    body: Json<UpdateRoleIn>,
) -> Result<HttpResponse, ApiError> {
    let name = name.into_inner();
    let UpdateRoleIn {
        description,
        permissions,
    } = body.into_inner();
    let input = RolePatchInput {
        description,
        permissions,
    };
    let Ctx { services, meta } = ctx;
    let role = services
        .run(move |s| s.roles.update(&name, if_match.0, &input, &meta))
        .await?;
    Ok(ok_with_etag(role.role.version).json(RoleOutDto::from(role)))
}

/// Delete a role nobody has.
#[utoipa::path(
    tag = "roles",
    params(
        ("name" = schema::RoleName, Path, description = "Role name"),
        ("If-Match" = String, Header, description = "The ETag read, like \"3\", or *")
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "A seeded role (`role_protected`), or a role a user or a \
            key has (`role_in_use`)", body = crate::problem::Problem,
            content_type = "application/problem+json")
    )
)]
#[delete("/roles/{name}")]
pub async fn delete_role(
    ctx: Ctx,
    name: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let name = name.into_inner();
    let Ctx { services, meta } = ctx;
    services
        .run(move |s| s.roles.delete(&name, if_match.0, &meta))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
