//! The repair wing: RMA requests and the customer's slip of one (`slip.rs`). What they become
//! (an order with its RMA code and declared devices) is read and changed through the orders
//! wing's routes.

use actix_web::{HttpResponse, post};
use eckwms_domain::repair::{Declared, DeclaredInput};
use eckwms_domain::{Code, NewOrder};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::dto::Check;
use crate::extract::{Ctx, Json, created};
use crate::problem::ApiError;
use crate::routes::orders::{CustomerDto, OrderOut};
use crate::schema;

mod slip;

/// Registers the repair wing's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_rma).service(slip::rma_slip);
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

impl CreateRmaIn {
    fn into_domain(self) -> Result<NewOrder, ApiError> {
        let mut c = Check::new();
        let customer = self.customer.into_domain(&mut c);
        let reference: Option<Code> = c.opt_text("reference", self.reference);
        let input: Vec<DeclaredInput> = self
            .declared
            .into_iter()
            .map(|d| DeclaredInput {
                serial: d.serial,
                description: d.description,
            })
            .collect();
        let declared = match Declared::new("declared", &input) {
            Ok(declared) => declared,
            Err(errors) => {
                for e in errors {
                    c.push(e.field, e.message);
                }
                Declared::default()
            }
        };
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
