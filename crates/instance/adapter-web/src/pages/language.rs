//! The language switch.
//! - Logged in, it is a form (`POST /language`, with the CSRF token): the choice becomes the
//!   user's setting (`PATCH /api/v1/auth/me` does the same), so it follows them to other
//!   browsers and to the messages of a scanner they log in on; the cookie is set too.
//! - Before login (the login page), `GET /language?lang=de&next=/boxes/b…` keeps the choice
//!   in a cookie only. It changes nothing on the server, so it needs no session and no CSRF
//!   token.

use actix_web::HttpResponse;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::web::{self, ServiceConfig};
use eckwms_i18n::Lang;
use serde::Deserialize;

use crate::layout::{Failure, local_path, see_other};
use crate::viewer::{LANG_COOKIE, Viewer};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.route("/language", web::get().to(switch))
        .route("/language", web::post().to(choose));
}

#[derive(Deserialize)]
struct SwitchQuery {
    lang: Option<String>,
    next: Option<String>,
}

async fn switch(query: web::Query<SwitchQuery>) -> HttpResponse {
    back_in(
        query.next.as_deref(),
        query.lang.as_deref().and_then(Lang::parse),
    )
}

#[derive(Deserialize)]
struct ChooseForm {
    #[serde(default)]
    _csrf: String,
    lang: Option<String>,
    next: Option<String>,
}

async fn choose(viewer: Viewer, form: web::Form<ChooseForm>) -> Result<HttpResponse, Failure> {
    viewer.check_csrf(&form._csrf)?;
    let lang = form.lang.as_deref().and_then(Lang::parse);
    if let Some(lang) = lang {
        let meta = viewer.meta.clone();
        viewer
            .calls
            .run(move |s| s.users.set_own_language(&meta, Some(lang)))
            .await
            .map_err(|e| viewer.fail(e))?;
    }
    Ok(back_in(form.next.as_deref(), lang))
}

/// 303 to `next` (a path of this site, else the dashboard), with the language's cookie.
fn back_in(next: Option<&str>, lang: Option<Lang>) -> HttpResponse {
    let next = next.and_then(local_path).unwrap_or("/").to_owned();
    let mut response = see_other(&next);
    if let Some(lang) = lang {
        let cookie = Cookie::build(LANG_COOKIE, lang.code())
            .path("/")
            .same_site(SameSite::Strict)
            .max_age(actix_web::cookie::time::Duration::days(365))
            .finish();
        // A cookie of a fixed shape (a language code) always goes into a header.
        let _ = response.add_cookie(&cookie);
    }
    response
}
