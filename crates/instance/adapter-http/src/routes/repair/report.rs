//! The service report of RMA requests as a CSV file, streamed: each page is read in a turn of
//! its own and sent on while the next is read, at most [`PAGES_IN_FLIGHT`] pages ahead of the
//! client, so memory stays flat whatever the report's length.

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, get, web};
use eckwms_application::access::Actor;
use eckwms_application::ports::ServiceReportFilter;
use eckwms_application::repair::{ReportChunk, ReportCursor};
use eckwms_domain::OrderStatus;
use futures_util::StreamExt;
use serde::Deserialize;
use tokio::sync::mpsc;
use utoipa::IntoParams;

use crate::calls::Calls;
use crate::extract::{Ctx, QueryCheck};
use crate::problem::ApiError;
use crate::routes::orders::{OrderStatusDto, STATUS_MESSAGE};

/// Pages waiting between the reader and the client: with the page being sent and the one
/// being read, at most three pages are in memory.
const PAGES_IN_FLIGHT: usize = 1;

/// The file name the download is saved under.
const FILE_NAME: &str = "service-report.csv";

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ServiceReportQuery {
    /// Only requests received at or after this time (RFC 3339); with `from` or `to`, requests
    /// not received are left out.
    #[param(value_type = Option<chrono::DateTime<chrono::Utc>>)]
    pub from: Option<String>,
    /// Only requests received before this time (RFC 3339); after `from` when both are given.
    #[param(value_type = Option<chrono::DateTime<chrono::Utc>>)]
    pub to: Option<String>,
    /// Only requests in this status.
    #[param(value_type = Option<OrderStatusDto>)]
    pub status: Option<String>,
}

impl ServiceReportQuery {
    fn into_filter(self) -> Result<ServiceReportFilter, ApiError> {
        let mut check = QueryCheck::new();
        let received_from = check.time("from", self.from.as_deref());
        let received_to = check.time("to", self.to.as_deref());
        if let (Some(from), Some(to)) = (received_from, received_to)
            && to <= from
        {
            check.reject("to", "must be after from");
        }
        let status = self.status.as_deref().and_then(|raw| {
            let parsed = OrderStatus::parse(raw);
            if parsed.is_none() {
                check.reject("status", STATUS_MESSAGE);
            }
            parsed
        });
        check.finish()?;
        Ok(ServiceReportFilter {
            received_from,
            received_to,
            status,
        })
    }
}

/// The service report (CSV): one row per device of the RMA requests chosen.
///
/// Requests received in `[from, to)` (without either, every request, received or not), in
/// `status` if given, by id; for each, a row per item found in its linked boxes (nested boxes
/// included; id order), then a row per declared device that is missing (declared order),
/// matched as the reconciliation matches. UTF-8 with a byte order mark, `;` between cells,
/// CRLF after each row, RFC 4180 quoting; a cell that would start a formula (`=`, `+`, `-`,
/// `@`, tab, CR) begins with `'`. The 21 columns are listed in docs/API.md. Streamed page by
/// page: not one snapshot; an error after the first page ends the download early (the
/// chunked body then has no last chunk). A request whose boxes hold more than 10,000 items
/// cannot be reported, as it cannot be reconciled.
#[utoipa::path(
    tag = "repair",
    params(ServiceReportQuery),
    responses(
        (status = 200, description = "The report, `attachment; filename=\"service-report.csv\"`, not cached",
            content((String = "text/csv")),
            headers(
                ("Content-Disposition" = String, description = "`attachment; filename=\"service-report.csv\"`"),
                ("Cache-Control" = String, description = "`no-store`: the report shows customer data"),
            )),
        (status = 409, description = "A request of the first page has more than 10,000 items in its boxes (`reconciliation_too_large`)",
            body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/service.csv")]
pub async fn service_report(
    ctx: Ctx,
    query: web::Query<ServiceReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = query.into_inner().into_filter()?;
    let Ctx { services, meta } = ctx;
    let (actor, request_id) = (meta.actor, meta.request_id);
    // The first page before the first byte: a refusal or failure is still a problem answer.
    let first = page(&services, &actor, &filter, ReportCursor::start()).await?;
    let (sender, receiver) = mpsc::channel(PAGES_IN_FLIGHT);
    if let Some(next) = first.next {
        actix_web::rt::spawn(read_on(services, actor, filter, next, sender, request_id));
    }
    let rest = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    });
    let body = futures_util::stream::once(async move { Ok(Bytes::from(first.csv)) }).chain(rest);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{FILE_NAME}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body))
}

async fn page(
    services: &Calls,
    actor: &Actor,
    filter: &ServiceReportFilter,
    cursor: ReportCursor,
) -> Result<ReportChunk, ApiError> {
    let (actor, filter) = (actor.clone(), filter.clone());
    services
        .run(move |s| s.repair.service_report(&actor, &filter, cursor))
        .await
}

/// Reads the pages after the first and sends them on, until the last, a failure (sent as the
/// stream's error, which ends the download) or a client that went away (the receiver
/// dropped).
async fn read_on(
    services: Calls,
    actor: Actor,
    filter: ServiceReportFilter,
    mut cursor: ReportCursor,
    sender: mpsc::Sender<Result<Bytes, std::io::Error>>,
    request_id: Option<String>,
) {
    loop {
        let chunk = match page(&services, &actor, &filter, cursor).await {
            Ok(chunk) => chunk,
            Err(e) => {
                tracing::error!(
                    request_id = request_id.as_deref().unwrap_or("-"),
                    code = e.code(),
                    after = ?cursor.after(),
                    "the service report stopped: {e}"
                );
                let _ = sender
                    .send(Err(std::io::Error::other(format!(
                        "the service report stopped ({})",
                        e.code()
                    ))))
                    .await;
                return;
            }
        };
        if sender.send(Ok(Bytes::from(chunk.csv))).await.is_err() {
            return;
        }
        match chunk.next {
            Some(next) => cursor = next,
            None => return,
        }
    }
}
