//! The public wing: `GET /ECK/API/PUBLIC/{id}`, the public view of an object, for the global
//! service's public label page. Outside the API-key auth of `/api/v1`: the request must carry
//! the global service's signature instead (`X-Eckwms-Global-Timestamp`,
//! `X-Eckwms-Global-Signature`; see `eckwms_application::public`). Every refusal is the same 404.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use eckwms_application::SignedRequest;
use eckwms_application::public::{SIGNATURE_HEADER, TIMESTAMP_HEADER};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::HttpState;
use crate::problem::ApiError;

/// Registers the public view, at the root: `lib.rs` mounts it outside `/api/v1`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(public_view);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicFieldOut {
    #[schema(example = "Model")]
    pub name: String,
    #[schema(example = "X-200")]
    pub value: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicViewOut {
    /// `item` or `order` (other kinds have nothing public).
    #[schema(example = "item")]
    pub kind: &'static str,
    /// The id's number, as printed on the label.
    #[schema(example = "42")]
    pub number: String,
    /// The label's two check characters.
    #[schema(example = "48")]
    pub check: String,
    /// An item: the entries of its `attributes.public`. An order: the fields its owner chose
    /// (`public_fields`), named and worded for the reader, like `Status: Received, in progress`.
    pub fields: Vec<PublicFieldOut>,
}

/// A signature header's text. Sent more than once, its lines are read as one comma-separated
/// value (as HTTP combines them), which is no timestamp or signature: refused like any
/// malformed one, never the first line alone.
fn header_text(req: &HttpRequest, name: &str) -> Option<String> {
    let lines: Option<Vec<&str>> = req
        .headers()
        .get_all(name)
        .map(|v| v.to_str().ok())
        .collect();
    lines.filter(|l| !l.is_empty()).map(|l| l.join(", "))
}

/// The public view of an object, for the global service (signed requests only).
#[utoipa::path(
    tag = "labels",
    security(()),
    params(
        ("id" = crate::schema::AnyId, Path, description = "Object id (items and orders have public views)"),
        ("X-Eckwms-Global-Timestamp" = String, Header, description = "Unix seconds, within 300 s of now"),
        ("X-Eckwms-Global-Signature" = String, Header, description = "base64 Ed25519 signature by the global service (docs/API.md)")
    ),
    responses(
        (status = 200, description = "Only what the owner marked public", body = PublicViewOut),
        (status = 404, description = "Unknown object, nothing public, or the request is not signed by the configured global service (`not_found`)",
            body = crate::problem::Problem, content_type = "application/problem+json")
    )
)]
#[get("/ECK/API/PUBLIC/{id}")]
pub async fn public_view(
    req: HttpRequest,
    id: web::Path<String>,
    state: web::Data<HttpState>,
) -> Result<HttpResponse, ApiError> {
    let signed = SignedRequest {
        method: req.method().as_str().to_owned(),
        path: req.path().to_owned(),
        timestamp: header_text(&req, TIMESTAMP_HEADER),
        signature: header_text(&req, SIGNATURE_HEADER),
    };
    let id = id.into_inner();
    let view = state
        .calls
        .run(move |s| s.public.view(&id, &signed))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(PublicViewOut {
            kind: view.kind,
            number: view.number,
            check: view.check,
            fields: view
                .fields
                .into_iter()
                .map(|f| PublicFieldOut {
                    name: f.name,
                    value: f.value,
                })
                .collect(),
        }))
}
