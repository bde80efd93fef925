//! API key management (`apikeys.manage`). Secrets are shown once, at creation; never listed.

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use eckwms_application::CreatedKey;
use eckwms_application::ports::ApiKey;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::dto::{Check, ListOut};
use crate::extract::{Ctx, Json, path_int};
use crate::problem::ApiError;
use crate::schema;

/// Registers the API key routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_api_keys)
        .service(create_api_key)
        .service(revoke_api_key);
}

/// The scopes keys had before roles, now the roles of the same names: `read` < `write` <
/// `admin`.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScopeDto {
    Read,
    Write,
    Admin,
}

impl ScopeDto {
    fn role(self) -> &'static str {
        match self {
            ScopeDto::Read => "read",
            ScopeDto::Write => "write",
            ScopeDto::Admin => "admin",
        }
    }

    fn of_role(role: &str) -> Option<Self> {
        match role {
            "read" => Some(ScopeDto::Read),
            "write" => Some(ScopeDto::Write),
            "admin" => Some(ScopeDto::Admin),
            _ => None,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyOut {
    pub id: i64,
    /// Public part of the key text.
    pub key_id: String,
    pub name: String,
    /// The key's role: what it may do.
    #[schema(value_type = schema::RoleName)]
    pub role: String,
    /// The role as the scope it was before roles: `null` for a key with any other role.
    pub scope: Option<ScopeDto>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl From<ApiKey> for ApiKeyOut {
    fn from(k: ApiKey) -> Self {
        Self {
            id: k.id,
            key_id: k.key_id,
            name: k.name,
            scope: ScopeDto::of_role(&k.role),
            role: k.role,
            created_at: k.created_at,
            expires_at: k.expires_at,
            revoked_at: k.revoked_at,
            last_used_at: k.last_used_at,
        }
    }
}

/// A new key with its full text, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKeyOut {
    #[serde(flatten)]
    pub record: ApiKeyOut,
    /// The key to present as `Authorization: Bearer <key>`; it cannot be shown again.
    pub key: String,
}

impl From<CreatedKey> for CreatedApiKeyOut {
    fn from(k: CreatedKey) -> Self {
        Self {
            record: k.key.into(),
            key: k.secret,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyIn {
    #[schema(value_type = schema::KeyName)]
    pub name: String,
    /// The key's role (any role; you must hold every permission it grants). Send `role` or
    /// `scope`, not both.
    #[schema(value_type = Option<schema::RoleName>)]
    pub role: Option<String>,
    /// The key's role as a scope (`read`, `write`, `admin`), as before roles.
    #[schema(value_type = Option<ScopeDto>)]
    pub scope: Option<String>,
    /// RFC 3339; never expires when absent.
    pub expires_at: Option<DateTime<Utc>>,
}

/// List every API key (without secrets).
#[utoipa::path(
    tag = "api keys",
    responses((status = 200, description = "Every key", body = ListOut<ApiKeyOut>))
)]
#[get("/apikeys")]
pub async fn list_api_keys(ctx: Ctx) -> Result<HttpResponse, ApiError> {
    let (services, actor) = (ctx.services, ctx.meta.actor);
    let keys = services.run(move |s| s.api_keys.list(&actor)).await?;
    Ok(HttpResponse::Ok().json(ListOut {
        items: keys.into_iter().map(ApiKeyOut::from).collect::<Vec<_>>(),
    }))
}

/// Create an API key; the response carries the key text, shown once.
#[utoipa::path(
    tag = "api keys",
    responses((status = 201, description = "The new key", body = CreatedApiKeyOut))
)]
#[post("/apikeys")]
pub async fn create_api_key(
    ctx: Ctx,
    body: Json<CreateApiKeyIn>,
) -> Result<HttpResponse, ApiError> {
    let CreateApiKeyIn {
        name,
        role,
        scope,
        expires_at,
    } = body.into_inner();
    let mut c = Check::new();
    let role = match (role, scope) {
        (Some(role), None) => Some(role),
        (None, Some(scope)) => match ScopeDto::of_role(&scope) {
            Some(scope) => Some(scope.role().to_owned()),
            None => {
                c.push("scope", "must be one of read, write, admin");
                None
            }
        },
        (None, None) => {
            c.push("role", "send role (or scope)");
            None
        }
        (Some(_), Some(_)) => {
            c.push("role", "send role or scope, not both");
            None
        }
    };
    c.finish()?;
    let Some(role) = role else {
        return Err(c.error());
    };
    let (services, meta) = (ctx.services, ctx.meta);
    let made = services
        .run(move |s| s.api_keys.create(&name, &role, expires_at, &meta))
        .await?;
    Ok(HttpResponse::Created().json(CreatedApiKeyOut::from(made)))
}

/// Revoke an API key; it stops working at once. The last active admin key is never revoked.
#[utoipa::path(
    tag = "api keys",
    params(("id" = schema::Serial, Path, description = "API key id")),
    responses(
        (status = 200, description = "The revoked key", body = ApiKeyOut),
        (status = 409, description = "The last active admin key (`last_admin_key`): create \
            another admin key first; nothing was changed", body = crate::problem::Problem,
            content_type = "application/problem+json")
    )
)]
#[delete("/apikeys/{id}")]
pub async fn revoke_api_key(ctx: Ctx, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = path_int("id", &id)?;
    let (services, meta) = (ctx.services, ctx.meta);
    let key = services.run(move |s| s.api_keys.revoke(id, &meta)).await?;
    Ok(HttpResponse::Ok().json(ApiKeyOut::from(key)))
}
