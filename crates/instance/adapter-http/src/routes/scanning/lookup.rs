//! `GET /api/v1/lookup`: what a scanned (or typed) text names, without acting on it.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use eckwms_application::{Found, Lookup};
use eckwms_domain::ObjectId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::extract::{Ctx, QueryCheck};
use crate::problem::ApiError;
use crate::schema;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LookupQuery {
    /// The text as a scanner reads it: an ECK label (with or without `http(s)://`), a typed
    /// id, a serial, an RMA code, a tracking number, any barcode.
    #[param(value_type = schema::ScannedText)]
    pub code: String,
}

/// What a text names. 200 whether or not it names an object: the lookup itself succeeded.
#[derive(Debug, Serialize, ToSchema)]
pub struct LookupOut {
    /// How the text was read; the scan log's `resolution` of the same text.
    #[schema(value_type = schema::LookupResolutionName)]
    pub resolution: &'static str,
    /// The objects it names, in id order: one, several (a barcode on several objects, a
    /// serial on several items), or none.
    pub objects: Vec<LookupObjectOut>,
    /// Only when `objects` is empty: why.
    #[schema(value_type = Option<schema::LookupReasonName>)]
    pub reason: Option<&'static str>,
    /// Only when `objects` is empty: the id the text names, if it names one (the item a scan
    /// would create, the place not set up, the label not bound, the user of a badge, the item
    /// a serial once made).
    pub named: Option<NamedOut>,
}

/// An object a lookup found.
#[derive(Debug, Serialize, ToSchema)]
pub struct LookupObjectOut {
    #[schema(value_type = schema::ObjectKindName)]
    pub kind: &'static str,
    #[schema(value_type = schema::AnyId)]
    pub id: String,
}

/// An id a text names, with no object (or none found) behind it.
#[derive(Debug, Serialize, ToSchema)]
pub struct NamedOut {
    #[schema(value_type = schema::LabelKind)]
    pub kind: &'static str,
    #[schema(value_type = schema::AnyId)]
    pub id: String,
}

fn object(id: ObjectId) -> LookupObjectOut {
    LookupObjectOut {
        kind: id.kind().as_str(),
        id: id.to_string(),
    }
}

impl From<Lookup> for LookupOut {
    fn from(looked_up: Lookup) -> Self {
        let resolution = looked_up.resolution.as_str();
        match looked_up.found {
            Found::One(id) => Self {
                resolution,
                objects: vec![object(id)],
                reason: None,
                named: None,
            },
            Found::Several(ids) => Self {
                resolution,
                objects: ids.into_iter().map(object).collect(),
                reason: None,
                named: None,
            },
            Found::Nothing { reason, named } => Self {
                resolution,
                objects: Vec::new(),
                reason: Some(reason.as_str()),
                named: named.map(|id| NamedOut {
                    kind: id.kind().as_str(),
                    id: id.to_string(),
                }),
            },
        }
    }
}

/// What a scanned or typed text names, changing nothing.
///
/// The text is read as a scan reads it, but no object is created (not even for a printed id a
/// scan would create), no working set changes and no scan is logged. Labels (v1, v2), typed
/// ids, 7-digit serials and RMA codes are read as a scan reads them; any other text is looked
/// up as an item's or box's barcode, an item's serial regardless of case, and an order's
/// tracking number. 200 also when nothing is found: see `reason`.
#[utoipa::path(
    tag = "scans",
    params(LookupQuery),
    responses((status = 200, description = "What the text names", body = LookupOut))
)]
#[get("/lookup")]
pub async fn lookup(ctx: Ctx, query: web::Query<LookupQuery>) -> Result<HttpResponse, ApiError> {
    let code = query.into_inner().code;
    let mut check = QueryCheck::new();
    // The rules of a scanned text, refused here as a query's (400) rather than by the use
    // case as a body's (422).
    if let Some(problem) = eckwms_application::scanning::barcode_problem(&code) {
        check.reject("code", problem);
    }
    check.finish()?;
    let actor = ctx.meta.actor.clone();
    let found = ctx
        .services
        .run(move |s| s.lookup.lookup(&actor, &code))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(LookupOut::from(found)))
}
