//! `/audit`: the audit log (logins, refusals, changes to users, roles, scanners and keys),
//! newest first, paged. Needs `core.admin`.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::web::{self, ServiceConfig};
use eckwms_application::ports::{AuditFilter, PageQuery};
use maud::html;
use serde::Deserialize;

use crate::layout::{Failure, encode, html_response, page};
use crate::pages::admin::{PAGE_ROWS, dash, read, when};
use crate::viewer::Viewer;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.route("/audit", web::get().to(audit_page));
}

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    /// The entries older than this one (its sequence number).
    before: Option<i64>,
}

async fn audit_page(
    viewer: Viewer,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, Failure> {
    let page_query = PageQuery {
        after: query.before,
        limit: PAGE_ROWS,
    };
    let entries = read(&viewer, move |s, actor| {
        s.audit.list(actor, &AuditFilter::default(), &page_query)
    })
    .await?;
    let text = |value: &Option<String>| match value {
        Some(v) if !v.is_empty() => html! { (v) },
        _ => dash(),
    };
    let content = html! {
        section.card #audit {
            @if entries.items.is_empty() {
                p.muted { (viewer.t("audit-empty")) }
            } @else {
                table {
                    thead { tr {
                        th { (viewer.t("history-when")) }
                        th { (viewer.t("audit-event")) }
                        th { (viewer.t("history-who")) }
                        th { (viewer.t("audit-subject")) }
                        th.hide-narrow { (viewer.t("audit-address")) }
                        th.hide-narrow { (viewer.t("audit-detail")) }
                    } }
                    tbody {
                        @for record in &entries.items {
                            tr data-seq=(record.seq) {
                                td { (when(&viewer, Some(record.entry.at))) }
                                td { code { (record.entry.event) } }
                                td.actor { (text(&record.entry.actor)) }
                                td { (text(&record.entry.subject)) }
                                td.hide-narrow { (text(&record.entry.address)) }
                                td.hide-narrow { @match &record.entry.detail {
                                    Some(detail) => code { (detail) },
                                    None => (dash()),
                                } }
                            }
                        }
                    }
                }
            }
            @if let Some(next) = &entries.next_cursor {
                p.pager { a rel="next" href={ "/audit?before=" (encode(next)) } { (viewer.t("page-older")) } }
            }
        }
    };
    Ok(html_response(
        StatusCode::OK,
        page(&viewer, &viewer.t("audit-title"), None, content),
    ))
}
