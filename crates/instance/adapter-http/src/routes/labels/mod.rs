//! The labels wing: printable sheets of fresh or existing ids, and the pairing QR of this instance.

use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use eckwms_application::{Selection, SheetFormat};
use eckwms_domain::{IdKind, ObjectId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::dto::Check;
use crate::extract::{Ctx, Json, QueryCheck};
use crate::problem::ApiError;
use crate::schema;

/// Registers the labels' routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(print_labels).service(pairing_qr);
}

/// Give `count` for fresh ids, or `ids` to print existing ones again.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LabelsIn {
    /// `item`, `box`, `place`, `order`, `label` (a pre-printed label, bound later by scanning)
    /// or `user` (a badge, with the user's name, for logging in on a scanner). Place labels
    /// and badges are printed for existing places and users only (`ids`).
    #[schema(value_type = schema::LabelKind, example = "box")]
    pub kind: String,
    /// How many fresh ids to allocate and print (1 to 320).
    #[schema(value_type = i64, required = false, example = 32, minimum = 1, maximum = 320)]
    pub count: Option<i64>,
    /// Existing ids of that kind to print again (1 to 320, each once).
    #[schema(value_type = BTreeSet<schema::AnyId>, required = false, min_items = 1, max_items = 320)]
    pub ids: Option<Vec<String>>,
}

impl LabelsIn {
    fn into_domain(self) -> Result<(IdKind, Selection), ApiError> {
        let mut c = Check::new();
        let kind = match self.kind.as_str() {
            "item" => Some(IdKind::Item),
            "box" => Some(IdKind::Box),
            "place" => Some(IdKind::Place),
            "order" => Some(IdKind::Order),
            "label" => Some(IdKind::Label),
            "user" => Some(IdKind::User),
            _ => {
                c.push("kind", "must be item, box, place, order, label or user");
                None
            }
        };
        let selection = match (self.count, self.ids) {
            (Some(n), None) => match usize::try_from(n) {
                Ok(n) => Some(Selection::Fresh(n)),
                Err(_) => {
                    c.push("count", "must be between 1 and 320 labels");
                    None
                }
            },
            (None, Some(raw)) => {
                let ids: Vec<Option<ObjectId>> = raw
                    .iter()
                    .enumerate()
                    .map(|(i, text)| match ObjectId::parse(text) {
                        Ok(id) => Some(id),
                        Err(e) => {
                            c.push(format!("ids[{i}]"), e.to_string());
                            None
                        }
                    })
                    .collect();
                ids.into_iter()
                    .collect::<Option<Vec<_>>>()
                    .map(Selection::Reprint)
            }
            _ => {
                c.push("count", "give count or ids");
                c.push("ids", "give count or ids");
                None
            }
        };
        c.finish()?;
        match (kind, selection) {
            (Some(kind), Some(selection)) => Ok((kind, selection)),
            _ => Err(c.error()),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LabelsQuery {
    /// `pdf` (default), `svg` or `json` (the codes only).
    #[param(value_type = Option<schema::SheetFormatName>)]
    pub format: Option<String>,
}

/// One label, in the `json` format.
#[derive(Debug, Serialize, ToSchema)]
pub struct LabelOut {
    pub id: String,
    /// The three QR texts: hosts ECK1, ECK2 and ECK3.
    pub codes: Vec<String>,
    /// The number printed on the label.
    pub number: String,
    /// The two check characters printed large.
    pub check: String,
    pub caption: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LabelsOut {
    /// The print as recorded.
    pub print_id: i64,
    pub kind: String,
    pub reprint: bool,
    pub labels: Vec<LabelOut>,
}

/// Print labels: allocate `count` fresh ids (or take `ids`), record the print, and answer an
/// A4 PDF (default), an SVG, or the codes as JSON. Refused (409 `label_key_missing`) while no
/// label key is configured: labels are never printed without encryption.
#[utoipa::path(
    tag = "labels",
    params(LabelsQuery),
    responses(
        (status = 200, description = "The sheet (`application/pdf`, `image/svg+xml`) or the codes",
            content(
                (schema::Binary = "application/pdf"),
                (String = "image/svg+xml"),
                (LabelsOut = "application/json")
            ),
            headers(("X-Label-Print-Id" = String, description = "The print as recorded (sheets only)"))),
        (status = 409, description = "No label key is configured (`label_key_missing`)"),
    )
)]
#[post("/labels")]
pub async fn print_labels(
    ctx: Ctx,
    query: web::Query<LabelsQuery>,
    body: Json<LabelsIn>,
) -> Result<HttpResponse, ApiError> {
    let mut check = QueryCheck::new();
    let format = match query.format.as_deref() {
        None | Some("pdf") => Some(SheetFormat::Pdf),
        Some("svg") => Some(SheetFormat::Svg),
        Some("json") => Some(SheetFormat::Json),
        Some(_) => {
            check.reject("format", "must be pdf, svg or json");
            None
        }
    };
    check.finish()?;
    let format = format.unwrap_or(SheetFormat::Pdf);
    let (kind, selection) = body.into_inner().into_domain()?;
    let actor = ctx.meta.actor.clone();
    let sheet = ctx
        .services
        .run(move |s| s.labels.print(kind, &selection, format, &actor))
        .await?;
    let disposition = format!(
        "inline; filename=\"labels-{}-{}.{}\"",
        kind,
        sheet.print.id,
        format.as_str()
    );
    Ok(match sheet.document {
        Some((content_type, bytes)) => HttpResponse::Ok()
            .content_type(content_type)
            .insert_header((header::CONTENT_DISPOSITION, disposition))
            .insert_header(("X-Label-Print-Id", sheet.print.id.to_string()))
            .body(bytes),
        None => HttpResponse::Ok().json(LabelsOut {
            print_id: sheet.print.id,
            kind: kind.as_str().to_owned(),
            reprint: sheet.print.reprint,
            labels: sheet
                .labels
                .into_iter()
                .map(|l| LabelOut {
                    id: l.id.to_string(),
                    codes: l.codes.to_vec(),
                    number: l.number,
                    check: l.check,
                    caption: l.caption,
                })
                .collect(),
        }),
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PairingQuery {
    /// `png` (default) or `svg`.
    #[param(value_type = Option<schema::ImageFormat>)]
    pub format: Option<String>,
}

/// The pairing QR of this instance (`ECK$1$<instance>$<public key>$<global URL>`), for
/// scanners to pair with. Admin scope.
#[utoipa::path(
    tag = "labels",
    params(PairingQuery),
    responses(
        (status = 200, description = "The QR code",
            content((schema::Binary = "image/png"), (String = "image/svg+xml"))),
        (status = 409, description = "No global URL is configured (`global_url_missing`)"),
    )
)]
#[get("/pairing-qr")]
pub async fn pairing_qr(
    ctx: Ctx,
    query: web::Query<PairingQuery>,
) -> Result<HttpResponse, ApiError> {
    let mut check = QueryCheck::new();
    let png = match query.format.as_deref() {
        None | Some("png") => true,
        Some("svg") => false,
        Some(_) => {
            check.reject("format", "must be png or svg");
            true
        }
    };
    check.finish()?;
    let actor = ctx.meta.actor;
    let (content_type, bytes) = ctx
        .services
        .run(move |s| s.labels.pairing_qr(&actor, png))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes))
}
