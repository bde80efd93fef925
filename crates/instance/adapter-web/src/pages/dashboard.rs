//! `/`: the dashboard. Counts (items, boxes, places, orders by status), the latest ledger
//! activity with who did it, and today's scans per hour as a small chart; today is the
//! viewer's day (the browser's time zone), from its local midnight.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::web::{self, ServiceConfig};
use chrono::{DateTime, Duration, TimeZone, Utc};
use eckwms_application::overview::{Activity, HourOfScans, OverviewQuery};
use maud::{Markup, html};

use crate::layout::{Failure, html_response, page};
use crate::pages::objects::{change_label, id_link};
use crate::viewer::Viewer;

/// Rows of the latest activity.
const ACTIVITY_ROWS: i64 = 20;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.route("/", web::get().to(dashboard));
}

/// The viewer's local midnight of today, as a UTC instant.
fn local_midnight(viewer: &Viewer, now: DateTime<Utc>) -> DateTime<Utc> {
    let offset = viewer.reading.offset;
    let local = now.with_timezone(&offset).date_naive();
    local
        .and_hms_opt(0, 0, 0)
        .and_then(|midnight| offset.from_local_datetime(&midnight).single())
        .map_or(now - Duration::hours(24), |start| start.with_timezone(&Utc))
}

async fn dashboard(viewer: Viewer) -> Result<HttpResponse, Failure> {
    let query = OverviewQuery::new(
        Some(ACTIVITY_ROWS),
        Some(local_midnight(&viewer, Utc::now())),
    )
    .map_err(|e| viewer.fail(eckwms_adapter_http::problem::from_app(e)))?;
    let actor = viewer.actor.clone();
    let overview = viewer
        .calls
        .run(move |s| s.overview.overview(&actor, &query))
        .await
        .map_err(|e| viewer.fail(e))?;
    let lang = viewer.lang();
    let open: i64 = overview
        .orders
        .iter()
        .filter(|(status, _)| status.as_str() != "shipped")
        .map(|(_, n)| n)
        .sum();
    let content = html! {
        section.counts #counts aria-label=(viewer.t("dashboard-counts")) {
            (count(viewer.t("dashboard-items"), lang.number(overview.items)))
            (count(viewer.t("dashboard-boxes"), lang.number(overview.boxes)))
            (count(viewer.t("dashboard-places"), lang.number(overview.places)))
            (count(viewer.t("dashboard-open-orders"), lang.number(open)))
        }
        section.card #orders {
            h2 { (viewer.t("dashboard-orders")) }
            table {
                tbody {
                    @for (status, n) in &overview.orders {
                        tr {
                            th scope="row" {
                                span class={ "status " (status.as_str()) } {
                                    (viewer.t(&format!("status-{}", status.as_str())))
                                }
                            }
                            td.num { (lang.number(*n)) }
                        }
                    }
                }
            }
        }
        section.card #scans-today {
            h2 { (viewer.t("dashboard-scans-today")) }
            (chart(&viewer, &overview.scans_per_hour))
        }
        section.card #activity {
            h2 { (viewer.t("dashboard-activity")) }
            (activity(&viewer, &overview.activity))
        }
    };
    let title = viewer.t("nav-dashboard");
    Ok(html_response(
        StatusCode::OK,
        page(&viewer, &title, None, content),
    ))
}

fn count(label: String, value: String) -> Markup {
    html! { div.count { strong { (value) } (label) } }
}

/// 24 bars, one per hour from the local midnight, scaled to the busiest hour; each bar has
/// its count as a title (a tooltip, and what a screen reader says).
fn chart(viewer: &Viewer, hours: &[HourOfScans]) -> Markup {
    let lang = viewer.lang();
    let total: i64 = hours.iter().map(|h| h.scans).sum();
    let busiest = hours.iter().map(|h| h.scans).max().unwrap_or(0).max(1);
    let (width, height, bar) = (480, 120, 20);
    html! {
        p { (lang.text_with("dashboard-scans-total", &[("count", total.into())])) }
        svg.chart viewBox={ "0 0 " (width) " " (height + 16) } role="img"
            aria-label=(viewer.t("dashboard-scans-today")) {
            @for (i, hour) in hours.iter().enumerate() {
                @let h = hour.scans * height / busiest;
                @let x = i * bar;
                rect.bar x=(x + 2) y=(height - h) width=(bar - 4) height=(h) {
                    title {
                        (viewer.reading.time(hour.start)) ": "
                        (lang.text_with("dashboard-scans-hour", &[("count", hour.scans.into())]))
                    }
                }
                @if i % 3 == 0 {
                    text x=(x + 2) y=(height + 12) {
                        (hour.start.with_timezone(&viewer.reading.offset).format("%H"))
                    }
                }
            }
        }
    }
}

fn activity(viewer: &Viewer, rows: &[Activity]) -> Markup {
    html! {
        @if rows.is_empty() {
            p.muted { (viewer.t("history-empty")) }
        } @else {
            table {
                thead { tr {
                    th { (viewer.t("history-when")) }
                    th { (viewer.t("history-what")) }
                    th { (viewer.t("field-id")) }
                    th { (viewer.t("history-who")) }
                } }
                tbody {
                    @for row in rows {
                        tr {
                            td { time datetime=(row.at.to_rfc3339()) { (viewer.reading.time(row.at)) } }
                            td { (change_label(viewer, row.kind)) }
                            td { (id_link(row.object)) }
                            td.actor {
                                span title=(row.actor) { (row.who) }
                                @if let Some(device) = &row.device { " · " (device) }
                            }
                        }
                    }
                }
            }
        }
    }
}
