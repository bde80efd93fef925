//! `/scanners`: the registered scanners (devices). The pending ones first, each with an
//! Approve button (with the role the scanner acts with) and a Block button; then every other
//! one with its status, role and last signed request, and a form to change those. The
//! pairing QR of this instance is shown from the API's `/api/v1/pairing-qr` (the session
//! cookie reads it). Needs `devices.manage`.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::web::{self, ServiceConfig};
use eckwms_adapter_http::ApiError;
use eckwms_application::Page;
use eckwms_application::access::RoleOut;
use eckwms_application::devices::DevicePatchInput;
use eckwms_application::ports::{DeviceFilter, Expected, PageQuery};
use eckwms_domain::devices::{Device, DeviceId, DeviceStatus};
use maud::{Markup, html};
use serde::Deserialize;

use crate::layout::{Failure, Notice, csrf_field, encode, html_response, page, see_other};
use crate::pages::admin::{
    PAGE_ROWS, Refusal, dash, done_notice, read, refusal, role_select, roles_to_offer, when,
};
use crate::viewer::Viewer;

/// At most this many pending scanners are listed (they wait for a decision: few at a time).
const PENDING_ROWS: u32 = 100;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.route("/scanners", web::get().to(scanners_page))
        .route("/scanners/{id}", web::post().to(decide));
}

#[derive(Deserialize, Default)]
pub struct ScannersQuery {
    /// The page of the other scanners after this device id.
    after: Option<String>,
    done: Option<String>,
}

async fn scanners_page(
    viewer: Viewer,
    query: web::Query<ScannersQuery>,
) -> Result<HttpResponse, Failure> {
    let notice = done_notice(&viewer, query.done.as_deref());
    render(&viewer, query.after.as_deref(), notice, StatusCode::OK).await
}

async fn render(
    viewer: &Viewer,
    after: Option<&str>,
    notice: Option<Notice>,
    status: StatusCode,
) -> Result<HttpResponse, Failure> {
    let after = after.and_then(|a| DeviceId::parse(a).ok());
    let (pending, others) = read(viewer, move |s, actor| {
        let pending = s.devices.list(
            actor,
            &DeviceFilter {
                status: Some(DeviceStatus::Pending),
            },
            &PageQuery {
                after: None,
                limit: PENDING_ROWS,
            },
        )?;
        let others = s.devices.list(
            actor,
            &DeviceFilter::default(),
            &PageQuery {
                after,
                limit: PAGE_ROWS,
            },
        )?;
        Ok((pending, others))
    })
    .await?;
    let roles = roles_to_offer(viewer).await?;
    let content = html! {
        section.card #pending {
            h2 { (viewer.t("scanners-pending")) }
            @if pending.items.is_empty() {
                p.muted { (viewer.t("scanners-pending-none")) }
            } @else {
                table {
                    thead { tr {
                        th { (viewer.t("scanners-device")) }
                        th { (viewer.t("field-name")) }
                        th.hide-narrow { (viewer.t("scanners-registered")) }
                        th { (viewer.t("scanners-decision")) }
                    } }
                    tbody {
                        @for device in &pending.items {
                            tr.pending data-device=(device.id.as_str()) {
                                td { code { (device.id.as_str()) } }
                                td { (device.name.as_str()) }
                                td.hide-narrow { (when(viewer, Some(device.registered_at))) }
                                td { (approve_form(viewer, device, &roles)) }
                            }
                        }
                    }
                }
            }
        }
        (others_section(viewer, &others, &roles))
        section.card #pairing {
            h2 { (viewer.t("scanners-pairing")) }
            p { (viewer.t("scanners-pairing-about")) }
            img.qr src="/api/v1/pairing-qr?format=svg" width="240" height="240"
                alt=(viewer.t("scanners-pairing-alt"));
            p { a href="/api/v1/pairing-qr" download="pairing-qr.png" { (viewer.t("scanners-pairing-png")) } }
        }
    };
    Ok(html_response(
        status,
        page(
            viewer,
            &viewer.t("scanners-title"),
            notice.as_ref(),
            content,
        ),
    ))
}

fn action(device: &Device) -> String {
    format!("/scanners/{}", encode(device.id.as_str()))
}

/// Approve (active, with the role chosen) or block a pending scanner.
fn approve_form(viewer: &Viewer, device: &Device, roles: &[RoleOut]) -> Markup {
    html! {
        form.inline.approve method="post" action=(action(device)) {
            (csrf_field(viewer))
            input type="hidden" name="version" value=(device.version);
            label { (viewer.t("field-role")) (role_select(viewer, "role", roles, device.role.as_deref(), true)) }
            button type="submit" name="status" value="active" { (viewer.t("scanners-approve")) }
            button.secondary type="submit" name="status" value="blocked" { (viewer.t("scanners-block")) }
        }
    }
}

fn status_label(viewer: &Viewer, status: DeviceStatus) -> Markup {
    html! {
        span class={ "status device-" (status.as_str()) } {
            (viewer.t(&format!("scanners-status-{}", status.as_str())))
        }
    }
}

fn others_section(viewer: &Viewer, others: &Page<Device>, roles: &[RoleOut]) -> Markup {
    let decided: Vec<&Device> = others
        .items
        .iter()
        .filter(|d| d.status != DeviceStatus::Pending)
        .collect();
    html! {
        section.card #scanners {
            h2 { (viewer.t("scanners-all")) }
            @if decided.is_empty() {
                p.muted { (viewer.t("scanners-none")) }
            } @else {
                table {
                    thead { tr {
                        th { (viewer.t("scanners-device")) }
                        th { (viewer.t("field-name")) }
                        th { (viewer.t("field-status")) }
                        th { (viewer.t("field-role")) }
                        th.hide-narrow { (viewer.t("scanners-last-seen")) }
                        th { (viewer.t("scanners-change")) }
                    } }
                    tbody {
                        @for device in decided {
                            tr data-device=(device.id.as_str()) {
                                td { code { (device.id.as_str()) } }
                                td { (device.name.as_str()) }
                                td.status { (status_label(viewer, device.status)) }
                                td.role { @match &device.role { Some(role) => (role), None => (dash()) } }
                                td.hide-narrow { (when(viewer, device.last_seen_at)) }
                                td {
                                    form.inline method="post" action=(action(device)) {
                                        (csrf_field(viewer))
                                        input type="hidden" name="version" value=(device.version);
                                        select name="status" aria-label=(viewer.t("field-status")) {
                                            @for status in [DeviceStatus::Active, DeviceStatus::Blocked, DeviceStatus::Pending] {
                                                option value=(status.as_str()) selected[status == device.status] {
                                                    (viewer.t(&format!("scanners-status-{}", status.as_str())))
                                                }
                                            }
                                        }
                                        (role_select(viewer, "role", roles, device.role.as_deref(), true))
                                        button type="submit" { (viewer.t("edit-submit")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(next) = &others.next_cursor {
                p.pager { a rel="next" href={ "/scanners?after=" (encode(next)) } { (viewer.t("page-next")) } }
            }
        }
    }
}

#[derive(Deserialize)]
struct DecisionForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    version: i64,
    #[serde(default)]
    status: String,
    /// Empty: no role of its own. Kept as it is when the scanner is blocked.
    #[serde(default)]
    role: Option<String>,
}

async fn decide(
    viewer: Viewer,
    id: web::Path<String>,
    form: web::Form<DecisionForm>,
) -> Result<HttpResponse, Failure> {
    viewer.check_csrf(&form.csrf)?;
    let outcome = match (
        DeviceId::parse(&id),
        DeviceStatus::parse(form.status.trim()),
    ) {
        (Ok(id), Ok(status)) => {
            let role = match status {
                DeviceStatus::Blocked => None,
                _ => form
                    .role
                    .as_deref()
                    .map(|r| Some(r.trim()).filter(|r| !r.is_empty()).map(str::to_owned)),
            };
            let input = DevicePatchInput {
                name: None,
                status: Some(status.as_str().to_owned()),
                role,
            };
            let expected = Expected::Version(form.version);
            let meta = viewer.meta.clone();
            viewer
                .calls
                .run(move |s| s.devices.update(&id, expected, &input, &meta))
                .await
                .map(|d| d.status)
        }
        (Err(message), _) => Err(ApiError::validation(vec![ApiError::field("id", message)])),
        (_, Err(message)) => Err(ApiError::validation(vec![ApiError::field(
            "status", message,
        )])),
    };
    match outcome {
        Ok(status) => {
            let done = match status {
                DeviceStatus::Active => "approved",
                DeviceStatus::Blocked => "blocked",
                DeviceStatus::Pending => "saved",
            };
            Ok(see_other(&format!("/scanners?done={done}")))
        }
        Err(e) => {
            let Refusal { notice, status, .. } = refusal(&viewer, e)?;
            render(&viewer, None, Some(notice), status).await
        }
    }
}
