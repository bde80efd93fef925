//! The customer's slip of an RMA request, as a PDF.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use eckwms_domain::OrderId;

use crate::extract::{Ctx, path_id};
use crate::problem::ApiError;
use crate::schema;

/// The customer's slip of an RMA request (A4 PDF).
///
/// The customer prints it and puts it in the parcel. It shows the RMA code large beside a QR
/// code (a label code of the order, as on a printed label of it, so a phone opens the
/// request's public page and a scanner finds the order), the customer's address, the date, the
/// reference, the declared devices and short instructions. Every slip carries a fresh code;
/// nothing is recorded. Only RMA requests have slips (another order is `not_found`); refused
/// (409 `label_key_missing`) while no label key is configured, as label printing is.
#[utoipa::path(
    tag = "repair",
    params(("id" = schema::OrderId, Path, description = "The RMA request's order id (`o8…`)")),
    responses(
        (status = 200, description = "The slip, `inline; filename=\"RMA….pdf\"`, not cached",
            content((schema::Binary = "application/pdf")),
            headers(
                ("Content-Disposition" = String, description = "`inline; filename=\"<RMA code>.pdf\"`"),
                ("Cache-Control" = String, description = "`no-store`: the slip shows customer data"),
            )),
        (status = 404, description = "No such order, or the order is no RMA request (`not_found`)"),
        (status = 409, description = "No label key is configured (`label_key_missing`)"),
    )
)]
#[get("/orders/{id}/slip.pdf")]
pub async fn rma_slip(ctx: Ctx, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id: OrderId = path_id("id", &id)?;
    let actor = ctx.meta.actor;
    let slip = ctx.services.run(move |s| s.repair.slip(&actor, id)).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{}.pdf\"", slip.code),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(slip.pdf))
}
