//! Login, logout and the caller (`GET /api/v1/auth/me`).
//!
//! A login runs in three steps (`SessionService`): finding the user and the throttling on a
//! call turn, the password's argon2 verification on a hashing turn (no database connection
//! held), the session or the counted failure on a call turn again.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, get, patch, post};
use chrono::{DateTime, Utc};
use eckwms_application::access::{LoggedIn, csrf_token};
use eckwms_application::{Actor, Who};
use eckwms_domain::access::Permission;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::users::{LanguageDto, UserOut};
use crate::auth::{SESSION_COOKIE, SessionToken};
use crate::dto::{Check, Field};
use crate::extract::{Ctx, Json, anonymous_meta, app_state};
use crate::problem::ApiError;
use crate::{CookieSecure, schema};
use eckwms_i18n::Lang;

/// Registers the login routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(login)
        .service(logout)
        .service(me)
        .service(set_my_language);
}

/// Longest username or password text a login reads; longer ones are refused before any work.
const MAX_LOGIN_TEXT: usize = 1024;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginIn {
    #[schema(value_type = schema::Username)]
    pub username: String,
    /// The password (not checked against the rules of new passwords: a wrong one is simply
    /// wrong).
    #[schema(min_length = 1, max_length = 1024)]
    pub password: String,
}

/// A session just begun. The token is shown this once; the same session is set as the
/// `eckwms_session` cookie (`HttpOnly`, `SameSite=Strict`) for the web UI.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginOut {
    /// Present as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    /// What a change made with the session cookie must send in `X-CSRF-Token`.
    pub csrf_token: String,
    pub user: UserOut,
    /// The permissions the user holds now.
    #[schema(value_type = Vec<schema::PermissionName>)]
    pub permissions: Vec<String>,
}

/// The caller: a user (with a session), an API key, or a scanner (with its operator).
#[derive(Debug, Serialize, ToSchema)]
pub struct MeOut {
    /// `user`, `api_key` or `device` (a scanner's signed request).
    #[schema(pattern = "^(user|api_key|device)$")]
    pub kind: String,
    /// The user, for a session (or the operator logged in on a scanner).
    pub user: Option<UserOut>,
    /// The scanner, for its signed request.
    #[schema(value_type = Option<schema::DeviceIdText>)]
    pub device_id: Option<String>,
    /// The key's id, for an API key.
    pub api_key_id: Option<i64>,
    /// The key's name, for an API key.
    pub api_key_name: Option<String>,
    /// The role the permissions come from; on a scanner with an operator, the operator's role
    /// and the scanner's that limits it, in words.
    pub role: String,
    #[schema(value_type = Vec<schema::PermissionName>)]
    pub permissions: Vec<String>,
    /// For a request made with a session: what a change made with its cookie must send in
    /// `X-CSRF-Token` (a page loaded later asks here).
    pub csrf_token: Option<String>,
}

fn names(actor: &Actor) -> Vec<String> {
    actor
        .permissions()
        .list()
        .into_iter()
        .map(|p: Permission| p.as_str().to_owned())
        .collect()
}

/// The three steps of a login (a call turn, a hashing turn, a call turn): the new session, or
/// the refusal. The JSON route and the web UI's login form both log in here.
pub async fn log_in(
    req: &HttpRequest,
    username: String,
    password: String,
) -> Result<LoggedIn, ApiError> {
    let state = app_state(req)?;
    let calls = state.calls.clone();
    let meta = anonymous_meta(req);
    let begun = meta.clone();
    let attempt = calls
        .run(move |s| s.sessions.begin_login(&username, &begun))
        .await?;
    let (attempt, verified) = calls
        .hash(move |passwords, _| {
            let verified = attempt.verify(passwords, &password);
            Ok((attempt, verified))
        })
        .await?;
    calls
        .run(move |s| s.sessions.finish_login(attempt, verified, &meta))
        .await
}

/// The session cookie (`HttpOnly`, `SameSite=Strict`, `Secure` as configured) holding
/// `value` for `max_age_secs`; an empty value and 0 clear it.
pub fn session_cookie(req: &HttpRequest, value: String, max_age_secs: i64) -> Cookie<'static> {
    let secure = match app_state(req).map(|s| s.settings.cookie_secure) {
        Ok(CookieSecure::Always) => true,
        Ok(CookieSecure::Never) => false,
        _ => req.connection_info().scheme() == "https",
    };
    Cookie::build(SESSION_COOKIE, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .max_age(actix_web::cookie::time::Duration::seconds(max_age_secs))
        .finish()
}

/// Log in with a username and password. Wrong username and wrong password get the same answer
/// in the same time; repeated failures for a username or from an address are throttled.
#[utoipa::path(
    tag = "auth",
    security(()),
    responses(
        (status = 200, description = "A new session; the token is shown this once. Also sets \
            the `eckwms_session` cookie", body = LoginOut),
        (status = 401, description = "Wrong username or password, or an inactive user \
            (`invalid_credentials`): one answer for all", body = crate::problem::Problem,
            content_type = "application/problem+json"),
        (status = 429, description = "Too many failed logins for this username or from this \
            address (`rate_limited`); `Retry-After` says when to try again",
            body = crate::problem::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait")))
    )
)]
#[post("/auth/login")]
pub async fn login(req: HttpRequest, body: Json<LoginIn>) -> Result<HttpResponse, ApiError> {
    let LoginIn { username, password } = body.into_inner();
    if username.len() > MAX_LOGIN_TEXT || password.len() > MAX_LOGIN_TEXT || password.is_empty() {
        return Err(ApiError::validation(vec![ApiError::field(
            "password",
            format!("must be 1 to {MAX_LOGIN_TEXT} bytes, with a username of at most as many"),
        )]));
    }
    let logged_in = log_in(&req, username, password).await?;
    let max_age = (logged_in.expires_at - Utc::now()).num_seconds().max(0);
    let cookie = session_cookie(&req, logged_in.token.clone(), max_age);
    let body = LoginOut {
        csrf_token: csrf_token(&logged_in.token),
        permissions: names(&logged_in.actor),
        token: logged_in.token,
        expires_at: logged_in.expires_at,
        user: logged_in.user.into(),
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .cookie(cookie)
        .json(body))
}

/// End the session this request was made with (its token, or its cookie, which is cleared).
/// A request made with an API key is refused: keys are revoked, not logged out.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 204, description = "The session has ended"),
        (status = 409, description = "The request was not made with a session (`not_a_session`)",
            body = crate::problem::Problem, content_type = "application/problem+json")
    )
)]
#[post("/auth/logout")]
pub async fn logout(req: HttpRequest, ctx: Ctx) -> Result<HttpResponse, ApiError> {
    let token = req
        .extensions()
        .get::<SessionToken>()
        .map(|t| t.0.clone())
        .ok_or_else(|| {
            ApiError::from_code(
                crate::problem::ProblemCode::NotASession,
                "this request was made with an API key: keys are revoked (DELETE \
                 /api/v1/apikeys/{id}), not logged out",
            )
        })?;
    let (services, meta) = (ctx.services, ctx.meta);
    services
        .run(move |s| s.sessions.logout(&token, &meta))
        .await?;
    Ok(HttpResponse::NoContent()
        .cookie(session_cookie(&req, String::new(), 0))
        .finish())
}

/// Who is asking: the user and their permissions, the API key and its role's, or the scanner
/// (and the operator logged in on it) and what they may do together.
#[utoipa::path(
    tag = "auth",
    responses((status = 200, description = "The caller", body = MeOut))
)]
#[get("/auth/me")]
pub async fn me(req: HttpRequest, ctx: Ctx) -> Result<HttpResponse, ApiError> {
    let actor = ctx.meta.actor.clone();
    let csrf = req
        .extensions()
        .get::<SessionToken>()
        .map(|t| csrf_token(&t.0));
    let body = match actor.who().clone() {
        Who::User { id, .. } => {
            let user = ctx.services.run(move |s| s.users.me(id)).await?;
            MeOut {
                kind: "user".into(),
                user: Some(user.into()),
                device_id: None,
                api_key_id: None,
                api_key_name: None,
                role: actor.role().to_owned(),
                permissions: names(&actor),
                csrf_token: csrf,
            }
        }
        Who::ApiKey { id, name } => MeOut {
            kind: "api_key".into(),
            user: None,
            device_id: None,
            api_key_id: Some(id),
            api_key_name: Some(name),
            role: actor.role().to_owned(),
            permissions: names(&actor),
            csrf_token: None,
        },
        Who::Device { id, operator } => {
            let user = match operator {
                Some((user, _)) => Some(ctx.services.run(move |s| s.users.me(user)).await?),
                None => None,
            };
            MeOut {
                kind: "device".into(),
                user: user.map(Into::into),
                device_id: Some(id.as_str().to_owned()),
                api_key_id: None,
                api_key_name: None,
                role: actor.role().to_owned(),
                permissions: names(&actor),
                csrf_token: None,
            }
        }
        Who::Console | Who::Anonymous => return Err(crate::problem::unauthenticated()),
    };
    Ok(HttpResponse::Ok().json(body))
}

/// What a user changes of themselves.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MePatchIn {
    /// `en`, `de` or `ru`: the language of the web UI and of the scanner messages while the
    /// user is logged in on a scanner; `null` clears it (the browser's `Accept-Language` is
    /// used). Absent: no change.
    #[serde(default)]
    #[schema(value_type = Option<LanguageDto>)]
    pub language: Field<String>,
}

const LANGUAGE_MESSAGE: &str = "must be en, de or ru";

/// The language a `PATCH /auth/me` sets: `None` leaves it, `Some(None)` clears it.
fn language_of(field: Field<String>) -> Result<Option<Option<Lang>>, ApiError> {
    let mut c = Check::new();
    let language = match field {
        Field::Absent => None,
        Field::Null => Some(None),
        // The codes exactly as listed: `Lang::parse` would also take tags such as `de-AT`.
        Field::Value(code) => match Lang::ALL.into_iter().find(|l| l.code() == code) {
            Some(lang) => Some(Some(lang)),
            None => {
                c.push("language", LANGUAGE_MESSAGE);
                None
            }
        },
    };
    c.finish()?;
    Ok(language)
}

/// Sets the caller's own settings: the language. Any user logged in with a session may; an
/// API key or a scanner has no such setting (409 `not_a_session`).
#[utoipa::path(
    tag = "auth",
    request_body = MePatchIn,
    responses(
        (status = 200, description = "The user, changed", body = UserOut),
        (status = 409, description = "The caller is not a user with a session (`not_a_session`)", body = crate::problem::Problem),
        (status = 422, description = "Invalid fields (`validation_failed`)", body = crate::problem::Problem)
    )
)]
#[patch("/auth/me")]
pub async fn set_my_language(ctx: Ctx, body: Json<MePatchIn>) -> Result<HttpResponse, ApiError> {
    let language = language_of(body.into_inner().language)?;
    let (services, meta) = (ctx.services, ctx.meta);
    let user = services
        .run(move |s| match (language, meta.actor.who()) {
            (Some(language), _) => s.users.set_own_language(&meta, language),
            (None, Who::User { id, .. }) => s.users.me(*id),
            // Nothing to set, by a caller without settings: refused as a change would be.
            (None, _) => s.users.set_own_language(&meta, None),
        })
        .await?;
    Ok(HttpResponse::Ok().json(UserOut::from(user)))
}
