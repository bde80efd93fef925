//! `/login` (a form with `username` and `password`) and `/logout`.
//!
//! Before a session exists, the login form's CSRF token is a random value kept in a cookie of
//! its own and repeated in the form (a page of another site can read neither). The login
//! itself is the JSON API's, step for step ([`log_in`]): the same throttling, the same answer
//! for a wrong username and a wrong password, the same session cookie.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::web::{self, ServiceConfig};
use actix_web::{HttpRequest, HttpResponse};
use chrono::Utc;
use eckwms_adapter_http::routes::access::auth::{log_in, session_cookie};
use eckwms_i18n::Arg;
use maud::html;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::layout::{Failure, Notice, bare, html_response, languages, local_path, see_other};
use crate::viewer::{Reading, Viewer};

/// The cookie holding the login form's CSRF token.
pub const LOGIN_CSRF_COOKIE: &str = "eckwms_login";
/// Longest username or password the form passes on (the API refuses longer ones).
const MAX_FIELD: usize = 1024;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.route("/login", web::get().to(form))
        .route("/login", web::post().to(submit))
        .route("/logout", web::post().to(logout));
}

#[derive(Deserialize)]
struct LoginQuery {
    next: Option<String>,
    expired: Option<String>,
}

async fn form(req: HttpRequest, query: web::Query<LoginQuery>) -> HttpResponse {
    let reading = Reading::of(&req);
    let notice = query
        .expired
        .is_some()
        .then(|| Notice::Error(reading.lang.text("login-expired")));
    let next = query.next.as_deref().and_then(local_path).unwrap_or("/");
    render(&req, reading, next, "", notice.as_ref(), StatusCode::OK)
}

/// The form, with a fresh (or the kept) login CSRF token.
fn render(
    req: &HttpRequest,
    reading: Reading,
    next: &str,
    username: &str,
    notice: Option<&Notice>,
    status: StatusCode,
) -> HttpResponse {
    let lang = reading.lang;
    let token = req
        .cookie(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        .unwrap_or_else(new_token);
    let here = format!("/login?next={}", crate::layout::encode(next));
    let markup = bare(
        lang,
        &lang.text("login-title"),
        html! {
            main.login {
                h1 { "ECKWMS" }
                section.card {
                    h2 { (lang.text("login-title")) }
                    @if let Some(notice) = notice { (notice.render()) }
                    form.stack #login method="post" action="/login" {
                        input type="hidden" name="_csrf" value=(token);
                        input type="hidden" name="next" value=(next);
                        label {
                            (lang.text("login-username"))
                            input type="text" name="username" value=(username) required
                                autocomplete="username" autocapitalize="none" maxlength="1024"
                                autofocus[username.is_empty()];
                        }
                        label {
                            (lang.text("login-password"))
                            input type="password" name="password" required
                                autocomplete="current-password" maxlength="1024"
                                autofocus[!username.is_empty()];
                        }
                        button type="submit" { (lang.text("login-submit")) }
                    }
                }
                footer.bottom { (languages(lang, &here)) }
            }
        },
    );
    let mut response = html_response(status, markup);
    let cookie = Cookie::build(LOGIN_CSRF_COOKIE, token)
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish();
    // A cookie of hex digits always goes into a header.
    let _ = response.add_cookie(&cookie);
    response
}

fn new_token() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // Without randomness no token can be trusted: an empty one never matches.
        return String::new();
    }
    hex::encode(bytes)
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

async fn submit(req: HttpRequest, form: web::Form<LoginForm>) -> HttpResponse {
    let reading = Reading::of(&req);
    let lang = reading.lang;
    let LoginForm {
        csrf,
        username,
        password,
        next,
    } = form.into_inner();
    let next = next
        .as_deref()
        .and_then(local_path)
        .unwrap_or("/")
        .to_owned();
    let kept = req.cookie(LOGIN_CSRF_COOKIE).map(|c| c.value().to_owned());
    let csrf_ok =
        kept.is_some_and(|k| !k.is_empty() && bool::from(k.as_bytes().ct_eq(csrf.as_bytes())));
    if !csrf_ok {
        let notice = Notice::Error(lang.text("login-form-expired"));
        return render(
            &req,
            reading,
            &next,
            &username,
            Some(&notice),
            StatusCode::FORBIDDEN,
        );
    }
    if username.trim().is_empty()
        || password.is_empty()
        || username.len() > MAX_FIELD
        || password.len() > MAX_FIELD
    {
        let notice = Notice::Error(lang.text("login-invalid"));
        return render(
            &req,
            reading,
            &next,
            &username,
            Some(&notice),
            StatusCode::UNAUTHORIZED,
        );
    }
    match log_in(&req, username.clone(), password).await {
        Ok(logged_in) => {
            let max_age = (logged_in.expires_at - Utc::now()).num_seconds().max(0);
            let mut response = see_other(&next);
            // A session token is base64url: it always goes into a header.
            let _ = response.add_cookie(&session_cookie(&req, logged_in.token, max_age));
            let _ = response
                .add_removal_cookie(&Cookie::build(LOGIN_CSRF_COOKIE, "").path("/login").finish());
            response
        }
        Err(e) => {
            let (status, text) = match (e.status(), e.retry_after()) {
                (StatusCode::TOO_MANY_REQUESTS, Some(seconds)) => (
                    StatusCode::TOO_MANY_REQUESTS,
                    lang.text_with(
                        "login-throttled",
                        &[(
                            "seconds",
                            Arg::Number(i64::try_from(seconds).unwrap_or(i64::MAX)),
                        )],
                    ),
                ),
                (StatusCode::UNAUTHORIZED, _) => {
                    (StatusCode::UNAUTHORIZED, lang.text("login-invalid"))
                }
                (status, _) => (status, lang.text("error-unavailable")),
            };
            render(
                &req,
                reading,
                &next,
                &username,
                Some(&Notice::Error(text)),
                status,
            )
        }
    }
}

#[derive(Deserialize)]
struct LogoutForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

async fn logout(
    req: HttpRequest,
    viewer: Viewer,
    form: web::Form<LogoutForm>,
) -> Result<HttpResponse, Failure> {
    viewer.check_csrf(&form.csrf)?;
    let token = viewer.token().to_owned();
    let meta = viewer.meta.clone();
    viewer
        .calls
        .run(move |s| s.sessions.logout(&token, &meta))
        .await
        .map_err(|e| viewer.fail(e))?;
    let mut response = see_other("/login");
    let _ = response.add_cookie(&session_cookie(&req, String::new(), 0));
    Ok(response)
}
