//! Reconciliation of an RMA request: the declared devices against what arrived.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use eckwms_application::repair::Reconciliation;
use eckwms_domain::OrderId;
use serde::Serialize;
use utoipa::ToSchema;

use crate::extract::{Ctx, path_id};
use crate::problem::ApiError;
use crate::schema;

/// What arrived of an RMA request: each declared device matched to an item found in the
/// order's boxes, or missing, and the items found that no one declared.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReconciliationOut {
    #[schema(example = "o800000001765101600")]
    pub order: String,
    /// When the parcel arrived; `null` while it has not.
    pub received_at: Option<DateTime<Utc>>,
    /// Whole days since it arrived; `null` while it has not.
    pub age_days: Option<i64>,
    /// Received 30 or more days ago.
    pub overdue: bool,
    /// Declared devices found, in the declared order.
    pub matched: Vec<MatchedOut>,
    /// Declared devices not found, in the declared order.
    pub missing: Vec<MissingOut>,
    /// Items found that match no declared device, in id order.
    pub undeclared: Vec<UndeclaredOut>,
}

/// A declared device and the item found for it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchedOut {
    #[schema(value_type = schema::DeclaredSerialText)]
    pub serial: String,
    #[schema(value_type = Option<schema::DescriptionText>)]
    pub description: Option<String>,
    #[schema(example = "i700000000001234567")]
    pub item: String,
}

/// A declared device not found in the order's boxes.
#[derive(Debug, Serialize, ToSchema)]
pub struct MissingOut {
    #[schema(value_type = schema::DeclaredSerialText)]
    pub serial: String,
    #[schema(value_type = Option<schema::DescriptionText>)]
    pub description: Option<String>,
}

/// An item in the order's boxes that no declared device names.
#[derive(Debug, Serialize, ToSchema)]
pub struct UndeclaredOut {
    #[schema(example = "i000000000000000042")]
    pub item: String,
    /// The item's own serial, if it has one.
    pub serial: Option<String>,
}

impl From<Reconciliation> for ReconciliationOut {
    fn from(r: Reconciliation) -> Self {
        let description = |d: &eckwms_domain::repair::DeclaredDevice| {
            d.description.as_ref().map(|t| t.as_str().to_owned())
        };
        Self {
            order: r.order.to_string(),
            received_at: r.received_at,
            age_days: r.age_days,
            overdue: r.overdue,
            matched: r
                .matching
                .matched
                .iter()
                .map(|m| MatchedOut {
                    serial: m.device.serial.as_str().to_owned(),
                    description: description(&m.device),
                    item: m.item.to_string(),
                })
                .collect(),
            missing: r
                .matching
                .missing
                .iter()
                .map(|d| MissingOut {
                    serial: d.serial.as_str().to_owned(),
                    description: description(d),
                })
                .collect(),
            undeclared: r
                .matching
                .undeclared
                .iter()
                .map(|f| UndeclaredOut {
                    item: f.id.to_string(),
                    serial: f.serial.as_ref().map(|s| s.as_str().to_owned()),
                })
                .collect(),
        }
    }
}

/// Reconcile an RMA request: which declared devices are among the items in the boxes linked
/// to it (and the boxes nested in them), which are missing, and which items arrived
/// undeclared. A 7-digit serial matches the item it names (`i70000000000` + the digits); any
/// serial matches an item whose `serial` or a barcode equals it, regardless of case; one item
/// per device, the first declared device first. Only RMA requests reconcile (another order is
/// `not_found`); more than 10,000 items in the boxes is 409 `reconciliation_too_large`.
#[utoipa::path(
    tag = "repair",
    params(("id" = schema::OrderId, Path, description = "The RMA request's order id (`o8…`)")),
    responses(
        (status = 200, description = "The reconciliation", body = ReconciliationOut),
        (status = 404, description = "No such order, or the order is no RMA request (`not_found`)",
            body = crate::problem::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The linked boxes hold more than 10,000 items (`reconciliation_too_large`)",
            body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/orders/{id}/reconciliation")]
pub async fn reconciliation(ctx: Ctx, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id: OrderId = path_id("id", &id)?;
    let actor = ctx.meta.actor;
    let r = ctx
        .services
        .run(move |s| s.repair.reconcile(&actor, id))
        .await?;
    Ok(HttpResponse::Ok().json(ReconciliationOut::from(r)))
}
