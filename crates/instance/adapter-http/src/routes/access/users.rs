//! Users (`users.manage`): create, read, list, change (names, role, active), new secrets. No
//! answer ever holds a password, a PIN or a hash.

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use eckwms_application::UserService;
use eckwms_application::access::{NewUserInput, UserPatchInput};
use eckwms_application::ports::User;
use eckwms_domain::UserId;
use eckwms_i18n::Lang;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::dto::{Field, PageOut};
use crate::extract::{Ctx, IfMatch, Json, QueryCheck, created, ok_with_etag, path_id};
use crate::problem::ApiError;
use crate::schema;

/// Registers the user routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_users)
        .service(create_user)
        .service(get_user)
        .service(update_user)
        .service(reset_secrets);
}

/// A user, without secrets.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    #[schema(value_type = schema::UserId)]
    pub id: String,
    #[schema(value_type = schema::Username)]
    pub username: String,
    #[schema(value_type = schema::DisplayName)]
    pub display_name: String,
    #[schema(value_type = schema::RoleName)]
    pub role: String,
    /// An inactive user cannot log in.
    pub active: bool,
    /// Whether a PIN is set (operator login on a scanner).
    pub has_pin: bool,
    /// The language the user chose for the web UI and their scanner's messages; `null`: the
    /// browser's (`Accept-Language`). Each user sets their own (`PATCH /api/v1/auth/me`).
    pub language: Option<LanguageDto>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A language of the catalogue: English, German, Russian.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LanguageDto {
    En,
    De,
    Ru,
}

impl From<Lang> for LanguageDto {
    fn from(lang: Lang) -> Self {
        match lang {
            Lang::En => LanguageDto::En,
            Lang::De => LanguageDto::De,
            Lang::Ru => LanguageDto::Ru,
        }
    }
}

impl From<User> for UserOut {
    fn from(u: User) -> Self {
        Self {
            id: u.id.to_string(),
            username: u.username,
            display_name: u.display_name,
            role: u.role,
            active: u.active,
            has_pin: u.has_pin,
            language: u.language.map(LanguageDto::from),
            last_login_at: u.last_login_at,
            version: u.version,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserIn {
    /// Unique without regard to case.
    #[schema(value_type = schema::Username)]
    pub username: String,
    #[schema(value_type = schema::DisplayName)]
    pub display_name: String,
    /// The user's role; you must hold every permission it grants.
    #[schema(value_type = schema::RoleName)]
    pub role: String,
    #[schema(value_type = schema::Password)]
    pub password: String,
    /// For operator login on a scanner.
    #[schema(value_type = Option<schema::Pin>)]
    pub pin: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserIn {
    #[schema(value_type = Option<schema::DisplayName>)]
    pub display_name: Option<String>,
    /// You must hold every permission of the new role.
    #[schema(value_type = Option<schema::RoleName>)]
    pub role: Option<String>,
    /// `false` deactivates the user and ends their sessions at once.
    pub active: Option<bool>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretsIn {
    /// A new password: ends the user's sessions.
    #[schema(value_type = Option<schema::Password>)]
    pub password: Option<String>,
    /// A new PIN, or `null` to remove it.
    #[serde(default)]
    #[schema(value_type = Option<schema::Pin>, nullable)]
    pub pin: Field<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// Page size, 1 to 500 (default 50).
    #[param(value_type = Option<schema::PageLimit>)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<schema::UserId>)]
    pub cursor: Option<String>,
}

fn user_created(u: User) -> HttpResponse {
    created(format!("/api/v1/users/{}", u.id), Some(u.version)).json(UserOut::from(u))
}

/// Create a user. The password is hashed (argon2id) and never shown again.
#[utoipa::path(
    tag = "users",
    responses(
        (status = 201, description = "The new user", body = UserOut,
            headers(("Location" = String), ("ETag" = String))),
        (status = 409, description = "The username is taken, whatever its case \
            (`username_taken`)", body = crate::problem::Problem,
            content_type = "application/problem+json")
    )
)]
#[post("/users")]
pub async fn create_user(ctx: Ctx, body: Json<CreateUserIn>) -> Result<HttpResponse, ApiError> {
    let CreateUserIn {
        username,
        display_name,
        role,
        password,
        pin,
    } = body.into_inner();
    let secrets = ctx
        .services
        .hash(move |passwords, random| {
            UserService::hash_secrets(passwords, random, Some(&password), pin.as_deref().map(Some))
        })
        .await?;
    let input = NewUserInput {
        username,
        display_name,
        role,
    };
    let Ctx { services, meta } = ctx;
    let user = services
        .run(move |s| s.users.create(&input, secrets, &meta))
        .await?;
    Ok(user_created(user))
}

/// List users by id.
#[utoipa::path(
    tag = "users",
    params(UserListQuery),
    responses((status = 200, description = "One page of users", body = PageOut<UserOut>))
)]
#[get("/users")]
pub async fn list_users(
    ctx: Ctx,
    query: web::Query<UserListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let mut check = QueryCheck::new();
    let cursor = check.id::<UserId>("cursor", q.cursor.as_deref());
    let page = check.page(cursor, q.limit.as_deref())?;
    let (services, actor) = (ctx.services, ctx.meta.actor);
    let result = services.run(move |s| s.users.list(&actor, &page)).await?;
    Ok(HttpResponse::Ok().json(PageOut::from_page(result, UserOut::from)))
}

/// One user.
#[utoipa::path(
    tag = "users",
    params(("id" = schema::UserId, Path, description = "User id")),
    responses((status = 200, description = "The user and its version", body = UserOut,
        headers(("ETag" = String))))
)]
#[get("/users/{id}")]
pub async fn get_user(ctx: Ctx, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id: UserId = path_id("id", &id)?;
    let (services, actor) = (ctx.services, ctx.meta.actor);
    let user = services.run(move |s| s.users.get(&actor, id)).await?;
    Ok(ok_with_etag(user.version).json(UserOut::from(user)))
}

/// Change a user's display name, role or activity. You cannot manage a user who holds a
/// permission you lack.
#[utoipa::path(
    tag = "users",
    params(
        ("id" = schema::UserId, Path, description = "User id"),
        ("If-Match" = String, Header, description = "The ETag read, like \"3\", or *")
    ),
    responses((status = 200, description = "The changed user", body = UserOut,
        headers(("ETag" = String))))
)]
#[patch("/users/{id}")]
pub async fn update_user(
    ctx: Ctx,
    id: web::Path<String>,
    if_match: IfMatch,
    body: Json<UpdateUserIn>,
) -> Result<HttpResponse, ApiError> {
    let id: UserId = path_id("id", &id)?;
    let UpdateUserIn {
        display_name,
        role,
        active,
    } = body.into_inner();
    let input = UserPatchInput {
        display_name,
        role,
        active,
    };
    let Ctx { services, meta } = ctx;
    let user = services
        .run(move |s| s.users.update(id, if_match.0, &input, &meta))
        .await?;
    Ok(ok_with_etag(user.version).json(UserOut::from(user)))
}

/// Set a user's password and/or PIN (a forgotten one). A new password ends the user's sessions.
#[utoipa::path(
    tag = "users",
    params(
        ("id" = schema::UserId, Path, description = "User id"),
        ("If-Match" = String, Header, description = "The ETag read, like \"3\", or *")
    ),
    responses((status = 200, description = "The user", body = UserOut,
        headers(("ETag" = String))))
)]
#[post("/users/{id}/secrets")]
pub async fn reset_secrets(
    ctx: Ctx,
    id: web::Path<String>,
    if_match: IfMatch,
    body: Json<SecretsIn>,
) -> Result<HttpResponse, ApiError> {
    let id: UserId = path_id("id", &id)?;
    let SecretsIn { password, pin } = body.into_inner();
    let secrets = ctx
        .services
        .hash(move |passwords, random| {
            let pin = match &pin {
                Field::Absent => None,
                Field::Null => Some(None),
                Field::Value(p) => Some(Some(p.as_str())),
            };
            UserService::hash_secrets(passwords, random, password.as_deref(), pin)
        })
        .await?;
    let Ctx { services, meta } = ctx;
    let user = services
        .run(move |s| s.users.set_secrets(id, if_match.0, secrets, &meta))
        .await?;
    Ok(ok_with_etag(user.version).json(UserOut::from(user)))
}
