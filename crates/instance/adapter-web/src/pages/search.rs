//! `/search?q=`: the search field of every page. It takes anything a scanner reads (a typed
//! id, an ECK label code v1 or v2 with or without `http(s)://`, a device serial, an RMA code,
//! a tracking number, a barcode) and reads it without acting on it (no object created, no
//! working set changed, no scan logged): one object opens its page, several are listed,
//! none says why.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::web::{self, ServiceConfig};
use eckwms_application::{Found, Lookup};
use eckwms_i18n::Arg;
use maud::html;
use serde::Deserialize;

use crate::layout::{Failure, Notice, html_response, page, see_other};
use crate::pages::objects::{href, id_link};
use crate::viewer::Viewer;

/// Longest text the search passes on (the lookup refuses longer ones).
const MAX_QUERY: usize = 512;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.route("/search", web::get().to(search));
}

#[derive(Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// What `text` names, read by the lookup.
pub async fn look_up(viewer: &Viewer, text: &str) -> Result<Lookup, Failure> {
    let actor = viewer.actor.clone();
    let text = text.to_owned();
    viewer
        .calls
        .run(move |s| s.lookup.lookup(&actor, &text))
        .await
        .map_err(|e| viewer.fail(e))
}

async fn search(viewer: Viewer, query: web::Query<SearchQuery>) -> Result<HttpResponse, Failure> {
    let text = query.q.trim();
    let title = viewer.t("search-title");
    if text.is_empty() || text.len() > MAX_QUERY {
        let notice = Notice::Error(viewer.t("search-empty"));
        return Ok(html_response(
            StatusCode::BAD_REQUEST,
            page(&viewer, &title, Some(&notice), html! {}),
        ));
    }
    let lookup = look_up(&viewer, text).await?;
    let reading = viewer.t(&format!("resolution-{}", lookup.resolution.as_str()));
    match lookup.found {
        Found::One(id) => match href(id) {
            Some(to) => Ok(see_other(&to)),
            None => Ok(html_response(
                StatusCode::OK,
                page(&viewer, &title, None, html! { p { (id_link(id)) } }),
            )),
        },
        Found::Several(ids) => {
            let content = html! {
                section.card #results {
                    p { (viewer.lang().text_with("search-several", &[
                        ("code", Arg::Text(text)),
                        ("count", ids.len().into()),
                    ])) " " span.muted { "(" (reading) ")" } }
                    ul { @for id in &ids { li { (id_link(*id)) } } }
                }
            };
            Ok(html_response(
                StatusCode::OK,
                page(&viewer, &title, None, content),
            ))
        }
        Found::Nothing { reason, named } => {
            let why = viewer.t(&format!("missing-{}", reason.as_str()));
            let content = html! {
                section.card #results {
                    p { (viewer.lang().text_with("search-nothing", &[("code", Arg::Text(text))])) }
                    p.notice.warn { (why) }
                    @if let Some(id) = named { p { (viewer.t("search-named")) " " code { (id) } } }
                }
            };
            Ok(html_response(
                StatusCode::NOT_FOUND,
                page(&viewer, &title, None, content),
            ))
        }
    }
}
