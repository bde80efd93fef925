//! `/labels`: print a sheet of labels — fresh ids of a kind (how many), or existing ids again
//! (one per line) — as an A4 PDF. Every object page offers its own label again through the
//! same form ([`reprint_form`]). Needs labels.print; a site without a label key is told so
//! (labels are never printed without encryption).

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use actix_web::web::{self, ServiceConfig};
use eckwms_adapter_http::ApiError;
use eckwms_application::{Selection, SheetFormat};
use eckwms_domain::access::Permission;
use eckwms_domain::{IdKind, ObjectId};
use eckwms_i18n::Arg;
use maud::{Markup, html};
use serde::Deserialize;

use crate::layout::{Failure, Notice, csrf_field, html_response, page, secure};
use crate::viewer::Viewer;

/// Most labels of one sheet, as the API allows.
const MAX_LABELS: usize = 320;

/// The kinds the form offers, by their API names; places and badges only as existing ids.
const KINDS: [(&str, IdKind); 6] = [
    ("box", IdKind::Box),
    ("item", IdKind::Item),
    ("label", IdKind::Label),
    ("order", IdKind::Order),
    ("place", IdKind::Place),
    ("user", IdKind::User),
];

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.route("/labels", web::get().to(labels_page))
        .route("/labels", web::post().to(print));
}

async fn labels_page(viewer: Viewer) -> Result<HttpResponse, Failure> {
    viewer.require(Permission::LabelsPrint)?;
    Ok(render(
        &viewer,
        &LabelsForm::default(),
        None,
        StatusCode::OK,
    ))
}

fn render(
    viewer: &Viewer,
    form: &LabelsForm,
    notice: Option<&Notice>,
    status: StatusCode,
) -> HttpResponse {
    let title = viewer.t("labels-title");
    let content = html! {
        section.card {
            form.stack #labels method="post" action="/labels" {
                (csrf_field(viewer))
                label {
                    (viewer.t("labels-kind"))
                    select name="kind" {
                        @for (name, _) in KINDS {
                            option value=(name) selected[form.kind == name] {
                                (viewer.t(&format!("labels-kind-{name}")))
                            }
                        }
                    }
                }
                label {
                    (viewer.t("labels-count"))
                    input type="number" name="count" min="1" max=(MAX_LABELS) value=(form.count);
                }
                label {
                    (viewer.t("labels-ids"))
                    textarea name="ids" rows="4" placeholder="b000000000000000001" { (form.ids) }
                }
                p.muted { (viewer.t("labels-hint")) }
                button type="submit" { (viewer.t("labels-submit")) }
            }
        }
    };
    html_response(status, page(viewer, &title, notice, content))
}

/// The "print its label again" form of an object page (for viewers who may print).
pub fn reprint_form(viewer: &Viewer, id: ObjectId) -> Markup {
    let kind = KINDS
        .iter()
        .find(|(_, k)| *k == id.kind())
        .map(|(name, _)| *name);
    html! {
        @if let Some(kind) = kind {
            @if viewer.may(Permission::LabelsPrint) {
                form.inline #reprint method="post" action="/labels" {
                    (csrf_field(viewer))
                    input type="hidden" name="kind" value=(kind);
                    input type="hidden" name="ids" value=(id);
                    button.secondary type="submit" { (viewer.t("labels-reprint")) }
                }
            }
        }
    }
}

#[derive(Deserialize, Default)]
struct LabelsForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    count: String,
    #[serde(default)]
    ids: String,
}

/// What the form asks for: the kind and the ids to take or the number to allocate.
fn selection(viewer: &Viewer, form: &LabelsForm) -> Result<(IdKind, Selection), ApiError> {
    let lang = viewer.lang();
    let kind = KINDS
        .iter()
        .find(|(name, _)| *name == form.kind)
        .map(|(_, kind)| *kind)
        .ok_or_else(|| {
            ApiError::validation(vec![ApiError::field(
                "kind",
                lang.text("labels-kind-invalid"),
            )])
        })?;
    let lines: Vec<&str> = form
        .ids
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let count = form.count.trim();
    match (count.is_empty(), lines.is_empty()) {
        (false, true) => {
            let n = count
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_LABELS).contains(n))
                .ok_or_else(|| {
                    ApiError::validation(vec![ApiError::field(
                        "count",
                        lang.text_with("labels-count-invalid", &[("count", MAX_LABELS.into())]),
                    )])
                })?;
            Ok((kind, Selection::Fresh(n)))
        }
        (true, false) => {
            if lines.len() > MAX_LABELS {
                return Err(ApiError::validation(vec![ApiError::field(
                    "ids",
                    lang.text_with("labels-count-invalid", &[("count", MAX_LABELS.into())]),
                )]));
            }
            let mut ids = Vec::with_capacity(lines.len());
            for (i, line) in lines.iter().enumerate() {
                let id = ObjectId::parse(line).map_err(|e| {
                    ApiError::validation(vec![ApiError::field(
                        "ids",
                        lang.text_with(
                            "labels-id-invalid",
                            &[
                                ("line", (i + 1).into()),
                                ("id", Arg::Text(line)),
                                ("why", Arg::Text(&e.to_string())),
                            ],
                        ),
                    )])
                })?;
                ids.push(id);
            }
            Ok((kind, Selection::Reprint(ids)))
        }
        _ => Err(ApiError::validation(vec![ApiError::field(
            "count",
            lang.text("labels-count-or-ids"),
        )])),
    }
}

async fn print(viewer: Viewer, form: web::Form<LabelsForm>) -> Result<HttpResponse, Failure> {
    viewer.check_csrf(&form.csrf)?;
    let refused = |e: ApiError| -> Result<HttpResponse, Failure> {
        match e.status() {
            StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY | StatusCode::CONFLICT => {
                let fields: Vec<String> = e.errors().iter().map(|f| f.message.clone()).collect();
                let detail = if fields.is_empty() {
                    e.detail().to_owned()
                } else {
                    fields.join("; ")
                };
                let status = if e.status() == StatusCode::CONFLICT {
                    StatusCode::CONFLICT
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                };
                Ok(render(&viewer, &form, Some(&Notice::Error(detail)), status))
            }
            _ => Err(viewer.fail(e)),
        }
    };
    let (kind, selection) = match selection(&viewer, &form) {
        Ok(asked) => asked,
        Err(e) => return refused(e),
    };
    let actor = viewer.actor.clone();
    let printed = viewer
        .calls
        .run(move |s| s.labels.print(kind, &selection, SheetFormat::Pdf, &actor))
        .await;
    match printed {
        Ok(sheet) => match sheet.document {
            Some((content_type, bytes)) => Ok(secure(HttpResponse::Ok())
                .content_type(content_type)
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"labels-{kind}-{}.pdf\"", sheet.print.id),
                ))
                .body(bytes)),
            None => Err(viewer.fail(ApiError::internal(&"a PDF sheet came without its document"))),
        },
        Err(e) => refused(e),
    }
}
