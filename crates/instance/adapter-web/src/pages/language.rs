//! The language switch: `GET /language?lang=de&next=/boxes/b…` keeps the choice in a cookie
//! and goes back. It changes nothing on the server, so it needs no session and no CSRF token.

use actix_web::HttpResponse;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::web::{self, ServiceConfig};
use eckwms_i18n::Lang;
use serde::Deserialize;

use crate::layout::{local_path, see_other};
use crate::viewer::LANG_COOKIE;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.route("/language", web::get().to(switch));
}

#[derive(Deserialize)]
struct SwitchQuery {
    lang: Option<String>,
    next: Option<String>,
}

async fn switch(query: web::Query<SwitchQuery>) -> HttpResponse {
    let next = query
        .next
        .as_deref()
        .and_then(local_path)
        .unwrap_or("/")
        .to_owned();
    let mut response = see_other(&next);
    if let Some(lang) = query.lang.as_deref().and_then(Lang::parse) {
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
