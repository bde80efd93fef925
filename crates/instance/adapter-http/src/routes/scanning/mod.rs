//! The scanning wing: a scanner's code resolved and acted on, the device's session, the scan log;
//! and a code looked up without acting on it (`lookup`).

mod lookup;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use eckwms_application::ports::{ScanAction, ScanFilter, ScanOutcome, ScanRecord, StoredSession};
use eckwms_application::{Actor, ScanCaller, ScanRequest, ScanService};
use eckwms_domain::ObjectId;
use eckwms_i18n::Lang;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, Type,
};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::dto::PageOut;
use crate::extract::{Ctx, Json, QueryCheck, accepted_language, path_int};
use crate::idempotency::REPLAYED_HEADER;
use crate::problem::ApiError;
use crate::schema;

/// Registers the scanning routes under `/api/v1`; `legacy_scan` has its own scope in `lib.rs`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(scan)
        .service(get_session)
        .service(clear_session)
        .service(list_scans)
        .service(get_scan)
        .service(lookup::lookup);
}

/// A scan. Scanners of the first generation send `msgId` and `deviceId`; both spellings work.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScanIn {
    /// The scanned text, as read (a label URL, an id, a serial, any barcode).
    #[schema(
        value_type = schema::ScannedText,
        example = "ECK1.COM/01T54QUD4DP7FWEG86LHVXBJ5D6NXNGE35BBJKAC9Y3LHPJBKHUJ5CQJ7N1M3"
    )]
    pub barcode: String,
    /// Unique per scan of a device: a retry with the same id gets the first answer.
    #[serde(alias = "msgId")]
    #[schema(value_type = schema::TokenText, example = "pda7-000123")]
    pub msg_id: String,
    /// The scanning device; its session (working set) is kept apart from other devices'.
    #[serde(alias = "deviceId")]
    #[schema(value_type = Option<schema::TokenText>, example = "PDA-7")]
    pub device_id: Option<String>,
}

/// The answer to a scan, as shown on the scanner.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScanAnswerOut {
    pub scan_id: i64,
    pub msg_id: String,
    /// `found`, `created`, `moved`, `linked`, `attached`, `ambiguous`, `not_found`,
    /// `pin_required` (a user's badge: log in on the scanner with the PIN) or `error`.
    pub action: String,
    /// What the code was: `item`, `box`, `place`, `order`, `label`, `class_code`, `tracking`,
    /// `gs1`, `barcode` or `unknown`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short sentence for the scanner's screen.
    pub message: String,
    /// What the scan is about: an object (its fields, `version` and `kind`), the `kind` and
    /// `id` a code names when no object exists for it, the `candidates` of an ambiguous code;
    /// `null` when the code names nothing.
    #[schema(schema_with = scan_data_schema)]
    pub data: Value,
    pub session: SessionSetsOut,
    /// Only for `ambiguous`: the objects the code belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candidates: Option<Vec<String>>,
}

/// The schema of a scan answer's `data`: exactly one of its four shapes (docs/API.md,
/// "ScanAnswer"). Written by hand: the answer is stored and replayed as JSON text, so no Rust
/// type of it exists.
fn scan_data_schema() -> Schema {
    let text = || ObjectBuilder::new().schema_type(Type::String);
    let kind = |kinds: &[&str]| text().enum_values(Some(kinds.iter().copied()));
    let object = ObjectBuilder::new()
        .description(Some(
            "An item, box, place or order: its fields as in ItemOut, BoxOut, PlaceOut or \
             OrderOut (without created_at and updated_at), its version and its kind",
        ))
        .property("kind", kind(&["item", "box", "place", "order"]))
        .property("id", text())
        .property("version", ObjectBuilder::new().schema_type(Type::Integer))
        .required("kind")
        .required("id")
        .required("version")
        .additional_properties(Some(AdditionalProperties::FreeForm(true)))
        .build();
    let named = ObjectBuilder::new()
        .description(Some(
            "The id a code names when no object exists for it (a place not set up, a label \
             not bound yet, a user badge): its kind and id",
        ))
        .property("kind", kind(&["place", "label", "user"]))
        .property("id", text())
        .required("kind")
        .required("id")
        .additional_properties(Some(AdditionalProperties::FreeForm(false)));
    let candidates = ObjectBuilder::new()
        .description(Some(
            "Only with `ambiguous`: the objects the code belongs to, each as an object above",
        ))
        .property("candidates", ArrayBuilder::new().items(object.clone()))
        .required("candidates")
        .additional_properties(Some(AdditionalProperties::FreeForm(false)));
    let nothing = ObjectBuilder::new()
        .schema_type(Type::Null)
        .description(Some("The code names nothing"));
    OneOfBuilder::new()
        .item(object)
        .item(named)
        .item(candidates)
        .item(nothing)
        .into()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionSetsOut {
    pub items: Vec<String>,
    pub boxes: Vec<String>,
    pub places: Vec<String>,
}

/// Sends the stored answer (the same for a retry as for the first scan) with the working set.
fn answer(outcome: ScanOutcome, legacy: bool) -> Result<HttpResponse, ApiError> {
    let mut body = outcome.body().map_err(crate::problem::from_app)?;
    if legacy {
        // The first generation's scanners read `msgId`.
        let msg_id = serde_json::to_string(&outcome.record.msg_id)
            .map_err(|e| ApiError::internal(&format_args!("scan msg_id: {e}")))?;
        body.pop();
        body.push_str(",\"msgId\":");
        body.push_str(&msg_id);
        body.push('}');
    }
    let mut response = HttpResponse::Ok();
    response.content_type("application/json");
    if outcome.replayed {
        response.insert_header((REPLAYED_HEADER, HeaderValue::from_static("true")));
    }
    Ok(response.body(body))
}

/// The language of a scan's answer: the one the user (or the operator logged in on the
/// scanner) chose, else the request's `Accept-Language`, else English.
fn answer_language(actor: &Actor, req: &HttpRequest) -> Lang {
    actor.language().unwrap_or_else(|| accepted_language(req))
}

async fn run_scan(
    req: HttpRequest,
    ctx: Ctx,
    body: ScanIn,
    legacy: bool,
) -> Result<HttpResponse, ApiError> {
    let request = ScanRequest {
        barcode: body.barcode,
        msg_id: body.msg_id,
        device_id: body.device_id,
    };
    let caller = ScanCaller {
        lang: answer_language(&ctx.meta.actor, &req),
        actor: ctx.meta.actor,
        request_id: ctx.meta.request_id,
    };
    let outcome = ctx
        .services
        .run(move |s| s.scans.scan(&request, &caller))
        .await?;
    answer(outcome, legacy)
}

/// Scan a code: resolve it, act on it with the device's working set, answer once per `msg_id`.
///
/// A repeated `msg_id` from the same device (or, without `device_id`, the same API key) gets
/// the first answer again, with the header `Idempotent-Replayed: true`, and changes nothing.
#[utoipa::path(
    tag = "scans",
    responses((status = 200, description = "The scan's answer; see `action`", body = ScanAnswerOut))
)]
#[post("/scans")]
pub async fn scan(
    req: HttpRequest,
    ctx: Ctx,
    body: Json<ScanIn>,
) -> Result<HttpResponse, ApiError> {
    run_scan(req, ctx, body.into_inner(), false).await
}

/// The scan route of the first generation's scanners: as `POST /api/v1/scans`, and the answer
/// also carries `msgId`.
#[utoipa::path(
    tag = "scans",
    responses((status = 200, description = "The scan's answer, plus `msgId`", body = ScanAnswerOut))
)]
#[post("/SCAN")]
pub async fn legacy_scan(
    req: HttpRequest,
    ctx: Ctx,
    body: Json<ScanIn>,
) -> Result<HttpResponse, ApiError> {
    run_scan(req, ctx, body.into_inner(), true).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SessionQuery {
    /// The device whose session is meant; without it, the session of the calling API key.
    #[param(value_type = Option<schema::TokenText>)]
    pub device_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionOut {
    /// `device:<id>`, or `apikey:<id>` for scans sent without a device.
    pub owner: String,
    pub items: Vec<String>,
    pub boxes: Vec<String>,
    pub places: Vec<String>,
    /// The last scan of the session (now, for an empty one).
    pub updated_at: DateTime<Utc>,
}

impl From<StoredSession> for SessionOut {
    fn from(s: StoredSession) -> Self {
        Self {
            owner: s.owner,
            items: s.set.items.iter().map(ToString::to_string).collect(),
            boxes: s.set.boxes.iter().map(ToString::to_string).collect(),
            places: s.set.places.iter().map(ToString::to_string).collect(),
            updated_at: s.updated_at,
        }
    }
}

fn session_owner(ctx: &Ctx, query: &SessionQuery) -> Result<String, ApiError> {
    let mut check = QueryCheck::new();
    let device = query.device_id.clone();
    // The same rule as the device id of a scan.
    if let Some(problem) = device
        .as_deref()
        .and_then(eckwms_application::scanning::token_problem)
    {
        check.reject("device_id", problem);
    }
    check.finish()?;
    let caller = ScanCaller {
        actor: ctx.meta.actor.clone(),
        request_id: None,
        lang: Lang::En,
    };
    Ok(ScanService::owner(device.as_deref(), &caller))
}

/// The working set of a device (items, boxes, places scanned and not yet acted on).
#[utoipa::path(
    tag = "scans",
    params(SessionQuery),
    responses((status = 200, description = "The session; empty when it expired", body = SessionOut))
)]
#[get("/scans/session")]
pub async fn get_session(
    ctx: Ctx,
    query: web::Query<SessionQuery>,
) -> Result<HttpResponse, ApiError> {
    let owner = session_owner(&ctx, &query)?;
    let actor = ctx.meta.actor.clone();
    let session = ctx
        .services
        .run(move |s| s.scans.session(&actor, &owner))
        .await?;
    Ok(HttpResponse::Ok().json(SessionOut::from(session)))
}

/// Empties the working set of a device.
#[utoipa::path(
    tag = "scans",
    params(SessionQuery),
    responses((status = 204, description = "Cleared (also when it was empty)"))
)]
#[delete("/scans/session")]
pub async fn clear_session(
    ctx: Ctx,
    query: web::Query<SessionQuery>,
) -> Result<HttpResponse, ApiError> {
    let owner = session_owner(&ctx, &query)?;
    let actor = ctx.meta.actor.clone();
    ctx.services
        .run(move |s| s.scans.clear_session(&actor, &owner))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// One scan of the log.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScanOut {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The session it belonged to.
    pub owner: String,
    /// The API key that sent it.
    pub actor: String,
    pub device_id: Option<String>,
    pub msg_id: String,
    /// The text as scanned.
    pub barcode: String,
    /// How it was read: `label_v2`, `label_v1`, `id`, `serial`, `rma`, `barcode`, `tracking`,
    /// `gs1`, `unknown`, `bad_label`.
    pub resolution: String,
    pub object: Option<String>,
    pub action: String,
    /// The answer the scanner got.
    #[schema(value_type = Object)]
    pub answer: Value,
    /// Ledger rows (`seq`) the scan caused.
    pub ledger_seqs: Vec<i64>,
}

impl From<ScanRecord> for ScanOut {
    fn from(r: ScanRecord) -> Self {
        Self {
            id: r.id,
            at: r.at,
            owner: r.owner,
            actor: r.actor,
            device_id: r.device_id,
            msg_id: r.msg_id,
            barcode: r.barcode,
            resolution: r.resolution,
            object: r.object.map(|o| o.to_string()),
            action: r.action.as_str().to_owned(),
            answer: serde_json::from_str(&r.answer).unwrap_or(Value::Null),
            ledger_seqs: r.ledger_seqs,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ScanListQuery {
    /// Scans of this device.
    #[param(value_type = Option<schema::QueryText>)]
    pub device_id: Option<String>,
    /// Scans answered with this action.
    #[param(value_type = Option<schema::ScanActionName>)]
    pub action: Option<String>,
    /// Scans that resolved to this object.
    #[param(value_type = Option<schema::AnyId>)]
    pub object: Option<String>,
    /// Scans at or after this time (RFC 3339).
    #[param(value_type = Option<DateTime<Utc>>)]
    pub since: Option<String>,
    /// Scans before this time (RFC 3339).
    #[param(value_type = Option<DateTime<Utc>>)]
    pub until: Option<String>,
    /// Page size, 1 to 500 (default 50).
    #[param(value_type = Option<schema::PageLimit>)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page (a scan id).
    #[param(value_type = Option<schema::Serial>)]
    pub cursor: Option<String>,
}

/// The scan log, newest first.
#[utoipa::path(
    tag = "scans",
    params(ScanListQuery),
    responses((status = 200, description = "A page of scans", body = PageOut<ScanOut>))
)]
#[get("/scans")]
pub async fn list_scans(
    ctx: Ctx,
    query: web::Query<ScanListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let mut check = QueryCheck::new();
    let device_id = check.text("device_id", query.device_id.as_deref());
    let action = match query.action.as_deref() {
        None => None,
        Some(raw) => match ScanAction::parse(raw) {
            Some(a) => Some(a),
            None => {
                check.reject("action", "must be one of found, created, moved, linked, attached, ambiguous, not_found, error");
                None
            }
        },
    };
    let object = check.id::<ObjectId>("object", query.object.as_deref());
    let since = check.time("since", query.since.as_deref());
    let until = check.time("until", query.until.as_deref());
    let cursor = check.int("cursor", query.cursor.as_deref());
    let page = check.page(cursor, query.limit.as_deref())?;
    let filter = ScanFilter {
        device_id,
        action,
        object,
        since,
        until,
    };
    let actor = ctx.meta.actor.clone();
    let result = ctx
        .services
        .run(move |s| s.scans.list_scans(&actor, &filter, &page))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(PageOut::from_page(result, ScanOut::from)))
}

/// One scan of the log, with the ledger rows it caused.
#[utoipa::path(
    tag = "scans",
    params(("id" = schema::Serial, Path, description = "Scan id")),
    responses((status = 200, description = "The scan", body = ScanOut))
)]
#[get("/scans/{id}")]
pub async fn get_scan(ctx: Ctx, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = path_int("id", &id)?;
    let actor = ctx.meta.actor.clone();
    let found = ctx
        .services
        .run(move |s| s.scans.get_scan(&actor, id))
        .await?;
    Ok(HttpResponse::Ok().json(ScanOut::from(found)))
}
