//! Extractors and helpers shared by the handlers: request context, `If-Match`, path ids,
//! query parameters, the blocking bridge and the JSON/path/query error handlers.

use std::future::{Ready, ready};
use std::str::FromStr;

use actix_web::dev::Payload;
use actix_web::error::{JsonPayloadError, PathError, PayloadError, QueryPayloadError};
use actix_web::http::header::{self, HeaderValue};
use actix_web::web::{self, JsonConfig, PathConfig, QueryConfig};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, HttpResponseBuilder};
use eckwms_application::ports::{Expected, IdempotencyKeyRef, PageQuery};
use eckwms_application::{Actor, AppError, RequestMeta, page_query};
use eckwms_domain::{IdError, ObjectId, Parent};
use eckwms_http_kit::{decimal_i64, media};

use crate::problem::{ApiError, ProblemCode, ProblemField};
use crate::request_id::RequestId;
use crate::{Calls, HttpState};

/// What a handler of an authenticated route needs: the services and the request metadata.
pub struct Ctx {
    pub services: Calls,
    pub meta: RequestMeta,
}

impl FromRequest for Ctx {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(ctx_of(req))
    }
}

fn ctx_of(req: &HttpRequest) -> Result<Ctx, ApiError> {
    let state = app_state(req)?;
    let extensions = req.extensions();
    let actor = extensions
        .get::<Actor>()
        .ok_or_else(crate::problem::unauthenticated)?;
    Ok(Ctx {
        services: state.calls.clone(),
        meta: RequestMeta {
            actor: actor.clone(),
            request_id: extensions.get::<RequestId>().map(|id| id.0.clone()),
            idempotency: extensions.get::<IdempotencyKeyRef>().cloned(),
            address: crate::auth::client_address(req),
        },
    })
}

/// The whole body of a request in a middleware, at most `limit` bytes (413 beyond, also when
/// `Content-Length` says so at once); the caller puts it back (`set_payload`) for the handler.
pub async fn read_body(
    req: &mut actix_web::dev::ServiceRequest,
    limit: usize,
) -> Result<web::Bytes, ApiError> {
    use futures_util::StreamExt;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(ApiError::payload_too_large(limit));
    }
    let mut payload = req.take_payload();
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::malformed_body(format!("unreadable body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::payload_too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(web::Bytes::from(body))
}

/// The request metadata of a public route (a login, a device's registration): nobody
/// authenticated yet.
pub fn anonymous_meta(req: &HttpRequest) -> RequestMeta {
    RequestMeta {
        actor: Actor::anonymous(),
        request_id: req.extensions().get::<RequestId>().map(|id| id.0.clone()),
        idempotency: None,
        address: crate::auth::client_address(req),
    }
}

pub fn app_state(req: &HttpRequest) -> Result<web::Data<HttpState>, ApiError> {
    req.app_data::<web::Data<HttpState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal(&"HttpState is not registered as app data"))
}

/// The version a PATCH or DELETE expects, from `If-Match`.
pub struct IfMatch(pub Expected);

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let mut sent = req.headers().get_all(header::IF_MATCH);
        let first = sent.next();
        if sent.next().is_some() {
            // Two header lines make a list, refused like a list in one line.
            return ready(Err(ApiError::invalid_header(
                "If-Match",
                "must be sent once, with one version",
            )));
        }
        ready(parse_if_match(first).map(IfMatch))
    }
}

pub fn parse_if_match(value: Option<&HeaderValue>) -> Result<Expected, ApiError> {
    let value = value.ok_or_else(ApiError::precondition_required)?;
    let malformed = || ApiError::invalid_header("If-Match", "must be \"<version>\" or *");
    let text = value.to_str().map_err(|_| malformed())?.trim();
    if text == "*" {
        return Ok(Expected::Any);
    }
    let quoted = text.strip_prefix("W/").unwrap_or(text);
    // The version as the ETag writes it: `"03"` is no ETag this service sends.
    quoted
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .filter(|digits| digits.bytes().all(|b| b.is_ascii_digit()))
        .and_then(decimal_i64)
        .map(Expected::Version)
        .ok_or_else(malformed)
}

pub fn etag(version: i64) -> (header::HeaderName, String) {
    (header::ETAG, format!("\"{version}\""))
}

/// `201 Created` with `Location` and `ETag`.
pub fn created(location: String, version: Option<i64>) -> HttpResponseBuilder {
    let mut res = HttpResponse::Created();
    res.insert_header((header::LOCATION, location));
    if let Some(version) = version {
        res.insert_header(etag(version));
    }
    res
}

/// `200 OK` with an `ETag`.
pub fn ok_with_etag(version: i64) -> HttpResponseBuilder {
    let mut res = HttpResponse::Ok();
    res.insert_header(etag(version));
    res
}

// ---------------------------------------------------------------- path ids

/// A typed object id from the path (`/items/{id}`): 400 `invalid_id` naming the parameter.
pub fn path_id<T>(param: &str, raw: &str) -> Result<T, ApiError>
where
    T: FromStr<Err = IdError>,
{
    raw.parse::<T>()
        .map_err(|e| ApiError::invalid_id(vec![ApiError::field(param, e.to_string())]))
}

/// A positive integer id from the path (warehouses, racks, API keys).
pub fn path_int(param: &str, raw: &str) -> Result<i64, ApiError> {
    parse_positive(raw)
        .map_err(|message| ApiError::invalid_id(vec![ApiError::field(param, message)]))
}

/// Every integer of a path or query is read here (or in [`QueryCheck::page`]), in the one
/// spelling of [`decimal_i64`]: `01` and `+1` are refused, not read as 1.
fn parse_positive(raw: &str) -> Result<i64, &'static str> {
    match decimal_i64(raw) {
        Some(n) if n >= 1 => Ok(n),
        _ => Err("must be a positive integer, without sign or leading zeros"),
    }
}

// ---------------------------------------------------------------- query parameters

/// Collects every error of a query string, then fails once with all of them.
#[derive(Default)]
pub struct QueryCheck {
    errors: Vec<ProblemField>,
}

impl QueryCheck {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn reject(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(ApiError::field(field, message));
    }

    /// A typed id filter or cursor.
    pub fn id<T>(&mut self, field: &str, raw: Option<&str>) -> Option<T>
    where
        T: FromStr<Err = IdError>,
    {
        match raw?.parse::<T>() {
            Ok(id) => Some(id),
            Err(e) => {
                self.reject(field, e.to_string());
                None
            }
        }
    }

    /// An RFC 3339 time, as UTC.
    pub fn time(
        &mut self,
        field: &str,
        raw: Option<&str>,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        match chrono::DateTime::parse_from_rfc3339(raw?) {
            Ok(t) => Some(t.with_timezone(&chrono::Utc)),
            Err(_) => {
                self.reject(field, "must be an RFC 3339 time, e.g. 2026-11-25T08:00:00Z");
                None
            }
        }
    }

    /// A positive integer filter or cursor.
    pub fn int(&mut self, field: &str, raw: Option<&str>) -> Option<i64> {
        match parse_positive(raw?) {
            Ok(n) => Some(n),
            Err(message) => {
                self.reject(field, message);
                None
            }
        }
    }

    pub fn bool(&mut self, field: &str, raw: Option<&str>) -> Option<bool> {
        match raw? {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => {
                self.reject(field, "must be true or false");
                None
            }
        }
    }

    /// A free text filter: bounded, non-empty, no control characters (PostgreSQL refuses a NUL
    /// in text, and no stored text holds one).
    pub fn text(&mut self, field: &str, raw: Option<&str>) -> Option<String> {
        let raw = raw?;
        if raw.is_empty() || raw.chars().count() > 200 {
            self.reject(field, "must have 1 to 200 characters");
            return None;
        }
        if raw.chars().any(char::is_control) {
            self.reject(field, "must not contain control characters");
            return None;
        }
        Some(raw.to_owned())
    }

    /// A box or place id filter.
    pub fn parent(&mut self, field: &str, raw: Option<&str>) -> Option<Parent> {
        let id: ObjectId = self.id(field, raw)?;
        match Parent::try_from(id) {
            Ok(parent) => Some(parent),
            Err(_) => {
                self.reject(field, "must be a box or place id");
                None
            }
        }
    }

    /// `limit` (1..=500, default 50) and the cursor already parsed; fails with every error seen.
    pub fn page<C>(
        mut self,
        cursor: Option<C>,
        limit: Option<&str>,
    ) -> Result<PageQuery<C>, ApiError> {
        let limit = match limit.map(decimal_i64) {
            None => None,
            Some(Some(n)) => Some(n),
            Some(None) => {
                self.reject("limit", "must be an integer, without + or leading zeros");
                None
            }
        };
        let page = match page_query(cursor, limit) {
            Ok(page) => Some(page),
            Err(AppError::Invalid(fields)) => {
                self.errors
                    .extend(fields.into_iter().map(crate::problem::field));
                None
            }
            Err(e) => return Err(crate::problem::from_app(e)),
        };
        match page {
            Some(page) if self.errors.is_empty() => Ok(page),
            _ => Err(ApiError::invalid_query(self.errors)),
        }
    }

    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::invalid_query(self.errors))
        }
    }
}

// ---------------------------------------------------------------- extractor error handlers

/// The field a serde message names (`unknown field `x``, `missing field `x``), if any.
fn named_field(message: &str) -> Option<String> {
    ["unknown field `", "missing field `", "duplicate field `"]
        .iter()
        .find_map(|prefix| message.split_once(prefix))
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(field, _)| field.to_owned())
}

fn with_named_field(e: ApiError, message: &str) -> ApiError {
    match named_field(message) {
        Some(field) => e.with_errors([ApiError::field(field, message)]),
        None => e,
    }
}

/// A JSON request body, read like `web::Json` (size limit and syntax by [`json_config`]) but
/// converted to `T` with the path of the value being converted at hand, so that a wrong type
/// deep inside a body names its place (`objects[1]`, `attributes.colour`).
///
/// The content type is checked first, by [`media::is_json`]: `web::Json` would also take any
/// `+json` type and any charset.
///
/// The body is first read as a raw JSON value (checked, not converted), then deserialized from
/// that text by `serde_json` under `serde_path_to_error`: duplicate keys, unknown fields and
/// trailing characters are refused exactly as by `web::Json`. The name `Json` is what
/// utoipa's actix support looks for to describe a handler's request body.
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: serde::de::DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap_or_default());
        if !media::is_json(content_type) {
            return Box::pin(ready(Err(ApiError::unsupported_media_type().into())));
        }
        let raw = web::Json::<Box<serde_json::value::RawValue>>::from_request(req, payload);
        Box::pin(async move {
            let web::Json(raw) = raw.await?;
            let mut deserializer = serde_json::Deserializer::from_str(raw.get());
            serde_path_to_error::deserialize(&mut deserializer)
                .map(Json)
                .map_err(|e| typed_body_error(&e).into())
        })
    }
}

/// A body whose JSON is well formed but does not fit the expected shape: 400, naming the field.
fn typed_body_error(e: &serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let message = e.inner().to_string();
    let mut path = String::new();
    for segment in e.path() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => path.push_str(&format!("[{index}]")),
            serde_path_to_error::Segment::Map { key: name }
            | serde_path_to_error::Segment::Enum { variant: name } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(name);
            }
            serde_path_to_error::Segment::Unknown => {}
        }
    }
    // A missing field is reported at the object that lacks it, an unknown one at itself.
    let at_the_name = |name: &str| {
        matches!(
            e.path().iter().next_back(),
            Some(serde_path_to_error::Segment::Map { key }) if key == name
        )
    };
    let field = match named_field(&message) {
        Some(name) if path.is_empty() => Some(name),
        Some(name) if at_the_name(&name) => Some(path),
        Some(name) => Some(format!("{path}.{name}")),
        None if path.is_empty() => None,
        None => Some(path),
    };
    let problem = ApiError::malformed_body(format!("invalid JSON body: {message}"));
    match field {
        Some(field) => problem.with_errors([ApiError::field(field, message)]),
        None => problem,
    }
}

pub fn json_config(limit: usize) -> JsonConfig {
    JsonConfig::default()
        .limit(limit)
        .error_handler(|err, _req| json_error(err).into())
}

pub fn json_error(err: JsonPayloadError) -> ApiError {
    match err {
        JsonPayloadError::ContentType => ApiError::unsupported_media_type(),
        JsonPayloadError::OverflowKnownLength { limit, .. }
        | JsonPayloadError::Overflow { limit } => ApiError::payload_too_large(limit),
        JsonPayloadError::Deserialize(e) => {
            let message = e.to_string();
            with_named_field(
                ApiError::malformed_body(format!("invalid JSON body: {message}")),
                &message,
            )
        }
        JsonPayloadError::Payload(PayloadError::Overflow) => ApiError::from_code(
            ProblemCode::PayloadTooLarge,
            "the request body is too large",
        ),
        other => ApiError::malformed_body(format!("unreadable body: {other}")),
    }
}

pub fn path_config() -> PathConfig {
    PathConfig::default().error_handler(|err, _req| {
        let message = match err {
            PathError::Deserialize(e) => e.to_string(),
            other => other.to_string(),
        };
        ApiError::invalid_id(vec![ApiError::field("path", message)]).into()
    })
}

pub fn query_config() -> QueryConfig {
    QueryConfig::default().error_handler(|err, _req| {
        let message = match err {
            QueryPayloadError::Deserialize(e) => e.to_string(),
            other => other.to_string(),
        };
        let field = named_field(&message).unwrap_or_else(|| "query".to_owned());
        ApiError::invalid_query(vec![ApiError::field(field, message)]).into()
    })
}

/// The language a request's `Accept-Language` prefers among the catalogue's; English without
/// one (the web UI's pages and the scans' answers read it alike).
pub fn accepted_language(req: &HttpRequest) -> eckwms_i18n::Lang {
    req.headers()
        .get(actix_web::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map_or(eckwms_i18n::Lang::En, eckwms_i18n::Lang::negotiate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_forms() {
        let parse = |v: &'static str| parse_if_match(Some(&HeaderValue::from_static(v)));
        assert_eq!(parse("\"3\"").ok(), Some(Expected::Version(3)));
        assert_eq!(parse("W/\"12\"").ok(), Some(Expected::Version(12)));
        assert_eq!(parse("*").ok(), Some(Expected::Any));
        // Also a version spelled otherwise than its ETag: leading zeros, a sign.
        for bad in [
            "3",
            "\"x\"",
            "\"\"",
            "\"1\", \"2\"",
            "\"-1\"",
            "\"03\"",
            "W/\"012\"",
            "\"+3\"",
        ] {
            assert_eq!(
                parse(bad).err().map(|e| e.code().to_owned()).as_deref(),
                Some("invalid_header"),
                "{bad}"
            );
        }
        assert_eq!(
            parse_if_match(None)
                .err()
                .map(|e| e.code().to_owned())
                .as_deref(),
            Some("precondition_required")
        );
    }

    #[test]
    fn serde_messages_name_their_field() {
        assert_eq!(
            named_field("unknown field `colour`, expected one of `name` at line 1 column 9")
                .as_deref(),
            Some("colour")
        );
        assert_eq!(
            named_field("missing field `to` at line 1 column 2").as_deref(),
            Some("to")
        );
        assert_eq!(named_field("expected value at line 1 column 1"), None);
    }
}
