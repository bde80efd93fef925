//! The overview: the data of the operator's dashboard in one read.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use eckwms_application::AppError;
use eckwms_application::OverviewQuery;
use eckwms_application::overview::{Activity, HourOfScans, MAX_ACTIVITY, Overview};
use eckwms_http_kit::decimal_i64;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::extract::{Ctx, QueryCheck};
use crate::problem::{ApiError, from_app};
use crate::routes::movement::history::ChangeOut;
use crate::routes::orders::OrderStatusDto;

/// Registers the overview's route under `/api/v1`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(overview);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OverviewParams {
    /// How many of the newest ledger rows to show, 1 to 50 (default 20).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 50)]
    pub activity: Option<String>,
    /// The start of the day whose scans are counted per hour (RFC 3339), e.g. a caller's
    /// local midnight; the 24 hours from it are counted. Default: midnight UTC of today.
    #[param(value_type = Option<DateTime<Utc>>)]
    pub day_start: Option<String>,
}

/// What the dashboard shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewOut {
    pub counts: CountsOut,
    /// The newest ledger rows, newest first.
    pub activity: Vec<ActivityOut>,
    pub scans: ScansOut,
}

/// How many objects there are.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountsOut {
    pub items: i64,
    pub boxes: i64,
    pub places: i64,
    /// Every order status, in the order orders go through them, with its number of orders
    /// (zero included).
    pub orders: Vec<OrdersWithStatusOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrdersWithStatusOut {
    pub status: OrderStatusDto,
    pub count: i64,
}

/// One ledger row, with who made it by name.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityOut {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub object: String,
    pub change: ChangeOut,
    pub from: Option<String>,
    pub to: Option<String>,
    pub reason: Option<String>,
    /// The scan that caused the change (`GET /api/v1/scans/{id}`), when a scan did.
    pub scan_id: Option<i64>,
    /// Who made the change as the ledger records it: `user:u…`, `apikey:<id>`,
    /// `device:<id>`, `console`, with `/device:<id>` for a change made through a scanner.
    pub actor: String,
    /// Who made it, readable: the user's display name, the API key's name or the scanner's
    /// name; the actor text (without its scanner) when none is known.
    pub who: String,
    /// The scanner a user or an API key acted through: its name, else its id.
    pub device: Option<String>,
}

impl From<Activity> for ActivityOut {
    fn from(a: Activity) -> Self {
        Self {
            seq: a.seq,
            at: a.at,
            object: a.object.to_string(),
            change: a.kind.into(),
            from: a.from.map(|id| id.to_string()),
            to: a.to.map(|id| id.to_string()),
            reason: a.reason,
            scan_id: a.scan_id,
            actor: a.actor,
            who: a.who,
            device: a.device,
        }
    }
}

/// The scans of one day, per hour.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScansOut {
    pub day_start: DateTime<Utc>,
    /// 24 hours from `day_start`, each with the number of scans at its start or later and
    /// before the next hour.
    pub per_hour: Vec<HourOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HourOut {
    pub start: DateTime<Utc>,
    pub scans: i64,
}

impl From<HourOfScans> for HourOut {
    fn from(h: HourOfScans) -> Self {
        Self {
            start: h.start,
            scans: h.scans,
        }
    }
}

impl From<Overview> for OverviewOut {
    fn from(o: Overview) -> Self {
        Self {
            counts: CountsOut {
                items: o.items,
                boxes: o.boxes,
                places: o.places,
                orders: o
                    .orders
                    .into_iter()
                    .map(|(status, count)| OrdersWithStatusOut {
                        status: status.into(),
                        count,
                    })
                    .collect(),
            },
            activity: o.activity.into_iter().map(ActivityOut::from).collect(),
            scans: ScansOut {
                day_start: o.day_start,
                per_hour: o.scans_per_hour.into_iter().map(HourOut::from).collect(),
            },
        }
    }
}

/// The operator's dashboard: counts of items, boxes, places and orders per status, the
/// newest ledger rows with who made them, and the scans per hour of a day.
#[utoipa::path(
    tag = "overview",
    params(OverviewParams),
    responses((status = 200, description = "The dashboard's data", body = OverviewOut))
)]
#[get("/overview")]
pub async fn overview(
    ctx: Ctx,
    params: web::Query<OverviewParams>,
) -> Result<HttpResponse, ApiError> {
    let query = overview_query(params.into_inner())?;
    let actor = ctx.meta.actor.clone();
    let found = ctx
        .services
        .run(move |s| s.overview.overview(&actor, &query))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(OverviewOut::from(found)))
}

/// The query, with every problem of it at once (400 `invalid_query`); the ranges are the use
/// case's ([`OverviewQuery::new`]).
fn overview_query(params: OverviewParams) -> Result<OverviewQuery, ApiError> {
    let mut check = QueryCheck::new();
    let activity = match params.activity.as_deref().map(decimal_i64) {
        None => None,
        Some(Some(n)) => Some(n),
        Some(None) => {
            check.reject(
                "activity",
                format!("must be an integer from 1 to {MAX_ACTIVITY}, without + or leading zeros"),
            );
            None
        }
    };
    let day_start = check.time("day_start", params.day_start.as_deref());
    let query = OverviewQuery::new(activity, day_start);
    if let Err(AppError::Invalid(fields)) = &query {
        for field in fields {
            check.reject(&field.field, field.message.clone());
        }
    }
    check.finish()?;
    query.map_err(from_app)
}
