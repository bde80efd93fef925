//! `/scan`: the scan flow of `POST /api/v1/scans` for a browser. A keyboard-wedge scanner
//! types the code into the focused field and sends Enter; the page answers with what the
//! scan did and the working set, and keeps the focus in the field. Each form carries its own
//! message id, so a form sent twice (a reload) is one scan.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::web::{self, ServiceConfig};
use eckwms_application::{ScanCaller, ScanRequest, ScanService};
use eckwms_domain::access::Permission;
use eckwms_domain::scanning::WorkingSet;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::Value;

use crate::layout::{Failure, Notice, csrf_field, html_response, page};
use crate::pages::objects::id_link;
use crate::viewer::Viewer;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.route("/scan", web::get().to(scan_page))
        .route("/scan", web::post().to(scan));
}

fn caller(viewer: &Viewer) -> ScanCaller {
    ScanCaller {
        actor: viewer.actor.clone(),
        request_id: viewer.meta.request_id.clone(),
        lang: viewer.lang(),
    }
}

async fn scan_page(viewer: Viewer) -> Result<HttpResponse, Failure> {
    viewer.require(Permission::ScanExecute)?;
    let set = working_set(&viewer).await?;
    Ok(render(&viewer, None, &set, StatusCode::OK))
}

/// The viewer's working set; shown to those who may read the inventory (a scan-only role
/// sees each scan's answer, with the set it leaves).
async fn working_set(viewer: &Viewer) -> Result<WorkingSet, Failure> {
    if !viewer.may(Permission::InventoryView) {
        return Ok(WorkingSet::default());
    }
    let owner = ScanService::owner(None, &caller(viewer));
    let actor = viewer.actor.clone();
    let session = viewer
        .calls
        .run(move |s| s.scans.session(&actor, &owner))
        .await
        .map_err(|e| viewer.fail(e))?;
    Ok(session.set)
}

#[derive(Deserialize)]
struct ScanForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    msg_id: String,
}

/// What the scan answered: its kind (`type`) and its sentence.
struct Answer {
    kind: String,
    message: String,
    code: String,
}

async fn scan(viewer: Viewer, form: web::Form<ScanForm>) -> Result<HttpResponse, Failure> {
    viewer.check_csrf(&form.csrf)?;
    let request = ScanRequest {
        barcode: form.code.trim().to_owned(),
        msg_id: form.msg_id.trim().to_owned(),
        device_id: None,
    };
    let caller = caller(&viewer);
    let outcome = viewer
        .calls
        .run(move |s| s.scans.scan(&request, &caller))
        .await;
    match outcome {
        Ok(outcome) => {
            let answer: Value = serde_json::from_str(&outcome.record.answer).unwrap_or(Value::Null);
            let text = |key: &str| {
                answer
                    .get(key)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            let answer = Answer {
                kind: text("type"),
                message: text("message"),
                code: form.code.trim().to_owned(),
            };
            Ok(render(
                &viewer,
                Some(&answer),
                &outcome.session,
                StatusCode::OK,
            ))
        }
        Err(e)
            if matches!(
                e.status(),
                StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY
            ) =>
        {
            let notice = Notice::Error(format!("{} {}", viewer.t("notice-invalid"), e.detail()));
            let set = working_set(&viewer).await?;
            let title = viewer.t("scan-title");
            let content = content(&viewer, None, &set);
            Ok(html_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                page(&viewer, &title, Some(&notice), content),
            ))
        }
        Err(e) => Err(viewer.fail(e)),
    }
}

fn render(
    viewer: &Viewer,
    answer: Option<&Answer>,
    set: &WorkingSet,
    status: StatusCode,
) -> HttpResponse {
    let title = viewer.t("scan-title");
    html_response(
        status,
        page(viewer, &title, None, content(viewer, answer, set)),
    )
}

fn content(viewer: &Viewer, answer: Option<&Answer>, set: &WorkingSet) -> Markup {
    let msg_id = uuid::Uuid::new_v4().simple().to_string();
    html! {
        section.card {
            form.stack #scan method="post" action="/scan" autocomplete="off" {
                (csrf_field(viewer))
                input type="hidden" name="msg_id" value=(msg_id);
                label {
                    (viewer.t("scan-field"))
                    input.scan-field type="text" name="code" required maxlength="512"
                        autofocus data-keep-focus inputmode="text" autocapitalize="none"
                        spellcheck="false";
                }
                button type="submit" { (viewer.t("scan-submit")) }
            }
        }
        @if let Some(answer) = answer {
            section.card #answer aria-live="polite" {
                h2 { (viewer.t("scan-answer")) }
                p { code { (answer.code) } " · " span.status { (answer.kind) } }
                p.answer { (answer.message) }
            }
        }
        section.card #working-set {
            h2 { (viewer.t("scan-working-set")) }
            @if set.items.is_empty() && set.boxes.is_empty() && set.places.is_empty() {
                p.muted { (viewer.t("scan-working-set-empty")) }
            } @else {
                (ids_row(viewer, "scan-set-places", set.places.iter().map(|p| p.object_id())))
                (ids_row(viewer, "scan-set-boxes", set.boxes.iter().map(|b| b.object_id())))
                (ids_row(viewer, "scan-set-items", set.items.iter().map(|i| i.object_id())))
            }
        }
    }
}

fn ids_row(
    viewer: &Viewer,
    label: &str,
    ids: impl Iterator<Item = eckwms_domain::ObjectId>,
) -> Markup {
    let ids: Vec<_> = ids.collect();
    html! {
        @if !ids.is_empty() {
            p {
                strong { (viewer.t(label)) ": " }
                @for (i, id) in ids.iter().enumerate() {
                    @if i > 0 { ", " }
                    (id_link(*id))
                }
            }
        }
    }
}
