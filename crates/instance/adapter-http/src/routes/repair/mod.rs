//! The repair wing: RMA requests, the customer's slip of one (`slip.rs`), its
//! reconciliation (`reconcile.rs`) and the service report (`report.rs`). What they become
//! (an order with its RMA code and declared devices) is read and changed through the orders
//! wing's routes.

use actix_web::{HttpResponse, post, put, web};
use eckwms_domain::repair::{Declared, DeclaredInput};
use eckwms_domain::{Code, NewOrder, Note, OrderId};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::dto::Check;
use crate::extract::{Ctx, IfMatch, Json, created, ok_with_etag, path_id};
use crate::problem::ApiError;
use crate::routes::orders::{CustomerDto, OrderOut};
use crate::schema;

mod reconcile;
mod report;
mod slip;

/// Registers the repair wing's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_rma)
        .service(set_declared)
        .service(slip::rma_slip)
        .service(reconcile::reconciliation)
        .service(report::service_report);
}

/// A device the customer sends in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclaredIn {
    /// As the scanner will read it: a 7-digit device serial, another serial, or a code.
    #[schema(value_type = schema::DeclaredSerialText)]
    pub serial: String,
    /// What is wrong with it, in the customer's words.
    #[schema(value_type = Option<schema::DescriptionText>)]
    pub description: Option<String>,
}

/// An RMA request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRmaIn {
    pub customer: CustomerDto,
    /// The devices sent in: at most 500, each serial once (regardless of case).
    #[schema(max_items = 500)]
    pub declared: Vec<DeclaredIn>,
    /// The customer's own reference.
    #[schema(value_type = Option<schema::CodeText>)]
    pub reference: Option<String>,
}

/// The declared devices of a body, checked; their errors go into `c`.
fn declared_of(c: &mut Check, declared: Vec<DeclaredIn>) -> Declared {
    let input: Vec<DeclaredInput> = declared
        .into_iter()
        .map(|d| DeclaredInput {
            serial: d.serial,
            description: d.description,
        })
        .collect();
    match Declared::new("declared", &input) {
        Ok(declared) => declared,
        Err(errors) => {
            for e in errors {
                c.push(e.field, e.message);
            }
            Declared::default()
        }
    }
}

impl CreateRmaIn {
    fn into_domain(self) -> Result<NewOrder, ApiError> {
        let mut c = Check::new();
        let customer = self.customer.into_domain(&mut c);
        let reference: Option<Code> = c.opt_text("reference", self.reference);
        let declared = declared_of(&mut c, self.declared);
        c.finish()?;
        Ok(NewOrder {
            reference,
            customer,
            declared,
            ..NewOrder::default()
        })
    }
}

/// Make an RMA request: an order with its RMA code (`RMA` + 10 digits + 2 check characters),
/// whose digits are the Unix seconds of now or, with several requests in one second, the next
/// free number. It publishes its status, reference, dates and tracking number, so the QR code
/// on the customer's slip shows its progress. A scan of the code finds this order.
#[utoipa::path(
    tag = "repair",
    responses((status = 201, description = "The new RMA order", body = OrderOut,
        headers(("Location" = String), ("ETag" = String))))
)]
#[post("/rmas")]
pub async fn create_rma(ctx: Ctx, body: Json<CreateRmaIn>) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner().into_domain()?;
    let Ctx { services, meta } = ctx;
    let o = services
        .run(move |s| s.repair.create_rma(&new, &meta))
        .await?;
    Ok(created(format!("/api/v1/orders/{}", o.id), Some(o.meta.version)).json(OrderOut::from(o)))
}

/// The new list of an RMA request's declared devices.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetDeclaredIn {
    /// The whole list: at most 500, each serial once (regardless of case).
    #[schema(max_items = 500)]
    pub declared: Vec<DeclaredIn>,
    /// Why the list changes; required once the order is no longer `created` (the ledger keeps
    /// it with the change).
    #[schema(value_type = Option<schema::NoteText>)]
    pub reason: Option<String>,
}

/// Replace the devices an RMA request declares. Free while the order is `created`; once the
/// parcel is received, only with a `reason`.
#[utoipa::path(
    tag = "repair",
    params(
        ("id" = schema::OrderId, Path, description = "The RMA request's order id"),
        ("If-Match" = String, Header, description = "The ETag read, like \"3\", or *")
    ),
    responses(
        (status = 200, description = "The order with its new list", body = OrderOut,
            headers(("ETag" = String))),
        (status = 404, description = "No such RMA request (a plain order declares nothing)",
            body = crate::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/orders/{id}/declared")]
pub async fn set_declared(
    ctx: Ctx,
    id: web::Path<String>,
    if_match: IfMatch,
    body: Json<SetDeclaredIn>,
) -> Result<HttpResponse, ApiError> {
    let id: OrderId = path_id("id", &id)?;
    let body = body.into_inner();
    let mut c = Check::new();
    let declared = declared_of(&mut c, body.declared);
    let reason: Option<Note> = c.opt_text("reason", body.reason);
    c.finish()?;
    let Ctx { services, meta } = ctx;
    let o = services
        .run(move |s| {
            s.repair
                .set_declared(id, if_match.0, &declared, reason.as_ref(), &meta)
        })
        .await?;
    Ok(ok_with_etag(o.meta.version).json(OrderOut::from(o)))
}
