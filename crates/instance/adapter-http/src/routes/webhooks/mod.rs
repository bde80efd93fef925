//! Webhook subscriptions (`core.admin`): where the ledger's changes are POSTed. The secret
//! that signs the deliveries is in the answer that creates a subscription, and in no other.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use eckwms_application::webhooks::{NewWebhookInput, WebhookPatchInput};
use eckwms_domain::webhooks::{event_kind_named, filter_change_names, filter_kind_names};
use eckwms_domain::{ChangeKind, EventFilter, IdKind, Subscription, WebhookId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use eckwms_http_kit::value_schema;
use serde_json::json;
use utoipa::openapi::schema::{ObjectBuilder, Type};

use crate::dto::ListOut;
use crate::extract::{Ctx, IfMatch, Json, created, ok_with_etag};
use crate::problem::ApiError;

/// Registers the webhook routes under `/api/v1`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_webhooks)
        .service(create_webhook)
        .service(get_webhook)
        .service(update_webhook)
        .service(delete_webhook)
        .service(replay_webhook);
}

value_schema!(
    /// A subscription's id: `wh_` and 16 lowercase hex digits.
    WebhookIdSchema => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some("^wh_[0-9a-f]{16}$"))
        .examples([json!("wh_3f9a0c2b7d1e4a65")])
);

value_schema!(
    /// An object kind the changes can be filtered by.
    WebhookObjectKind => ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(["place", "box", "item", "order"]))
);

value_schema!(
    /// A change the changes can be filtered by.
    WebhookChangeName => ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(["created", "updated", "moved", "action", "linked", "unlinked", "deleted"]))
);

value_schema!(
    /// An `http://` or `https://` URL of at most 2000 printable ASCII characters, without
    /// credentials or a fragment.
    WebhookUrlSchema => ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(eckwms_domain::webhooks::MAX_URL_LEN))
        .pattern(Some("^[Hh][Tt][Tt][Pp][Ss]?://[^@#/?\\s]+([/?][^#\\s]*)?$"))
        .examples([json!("https://erp.example.com/eckwms/hook")])
);

/// A webhook subscription (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookOut {
    #[schema(value_type = WebhookIdSchema)]
    pub id: String,
    /// Where the deliveries are POSTed.
    #[schema(value_type = WebhookUrlSchema)]
    pub url: String,
    /// Only changes of these kinds of object; empty: all.
    #[schema(value_type = Vec<WebhookObjectKind>)]
    pub kinds: Vec<String>,
    /// Only these changes; empty: all.
    #[schema(value_type = Vec<WebhookChangeName>)]
    pub changes: Vec<String>,
    /// Most events in one delivery.
    pub batch_size: u32,
    /// Whether deliveries run; a subscription is disabled after `webhooks.max_failures`
    /// failed deliveries in a row (enable it again with PATCH).
    pub enabled: bool,
    /// Failed deliveries in a row.
    pub failures: u32,
    /// Why the last delivery failed, and when.
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    /// The ledger seq delivered up to: the next delivery starts after it.
    pub cursor: i64,
    /// No delivery before this (the backoff after a failure).
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Subscription> for WebhookOut {
    fn from(s: Subscription) -> Self {
        Self {
            id: s.id.as_str().to_owned(),
            url: s.url.as_str().to_owned(),
            kinds: filter_kind_names(&s.filter)
                .into_iter()
                .map(str::to_owned)
                .collect(),
            changes: filter_change_names(&s.filter)
                .into_iter()
                .map(str::to_owned)
                .collect(),
            batch_size: s.batch_size,
            enabled: s.enabled,
            failures: s.failures,
            last_error: s.last_error,
            last_error_at: s.last_error_at,
            cursor: s.cursor,
            next_attempt_at: s.next_attempt_at,
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// A subscription just created, with the secret that signs its deliveries: shown here once,
/// never again. (No `Debug`: it holds the secret in clear.)
#[derive(Serialize, ToSchema)]
pub struct CreatedWebhookOut {
    #[serde(flatten)]
    pub webhook: WebhookOut,
    /// `whsec_` and 64 hex digits. Keep it: the signature of every delivery is the
    /// HMAC-SHA256 under this text (as bytes) of `"<t>.<body>"`.
    #[schema(pattern = "^whsec_[0-9a-f]{64}$")]
    pub secret: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookIn {
    /// `http://` or `https://`; the host must not be (or resolve to) a loopback, link-local,
    /// metadata or (unless `webhooks.allow_private`) private address.
    #[schema(value_type = WebhookUrlSchema)]
    pub url: String,
    /// Only changes of these kinds of object (default: all).
    #[serde(default)]
    #[schema(value_type = Vec<WebhookObjectKind>)]
    pub kinds: Vec<String>,
    /// Only these changes (default: all).
    #[serde(default)]
    #[schema(value_type = Vec<WebhookChangeName>)]
    pub changes: Vec<String>,
    /// Most events in one delivery, 1 to `webhooks.max_batch` (default `webhooks.batch`).
    #[schema(minimum = 1)]
    pub batch_size: Option<i64>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhookIn {
    #[schema(value_type = Option<WebhookUrlSchema>)]
    pub url: Option<String>,
    /// The new list of object kinds (empty: all).
    #[schema(value_type = Option<Vec<WebhookObjectKind>>)]
    pub kinds: Option<Vec<String>>,
    /// The new list of changes (empty: all).
    #[schema(value_type = Option<Vec<WebhookChangeName>>)]
    pub changes: Option<Vec<String>>,
    #[schema(minimum = 1)]
    pub batch_size: Option<i64>,
    /// `true` enables a disabled subscription and forgets its failures; `false` stops its
    /// deliveries.
    pub enabled: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplayIn {
    /// The first ledger seq to deliver again; everything from it on is sent again.
    #[schema(minimum = 1)]
    pub from_seq: i64,
}

/// The object kinds and the changes a body names, each list when it names one.
type Named = (Option<Vec<IdKind>>, Option<Vec<ChangeKind>>);

/// The kinds and changes named, or the fields naming what is not one.
fn names(kinds: Option<&[String]>, changes: Option<&[String]>) -> Result<Named, ApiError> {
    let mut errors = Vec::new();
    let kinds = kinds.map(|names| {
        names
            .iter()
            .filter_map(|n| {
                let kind = event_kind_named(n);
                if kind.is_none() {
                    errors.push(ApiError::field(
                        "kinds",
                        format!("{n:?} is not place, box, item or order"),
                    ));
                }
                kind
            })
            .collect()
    });
    let changes = changes.map(|names| {
        names
            .iter()
            .filter_map(|n| {
                let change = ChangeKind::parse(n);
                if change.is_none() {
                    errors.push(ApiError::field(
                        "changes",
                        format!(
                            "{n:?} is not created, updated, moved, action, linked, unlinked or \
                             deleted"
                        ),
                    ));
                }
                change
            })
            .collect()
    });
    if errors.is_empty() {
        Ok((kinds, changes))
    } else {
        Err(ApiError::validation(errors))
    }
}

/// The id in the path: 400 `invalid_id` when it is not one.
fn webhook_id(raw: &str) -> Result<WebhookId, ApiError> {
    WebhookId::parse(raw).map_err(|e| ApiError::invalid_id(vec![ApiError::field("id", e)]))
}

/// Every webhook subscription, oldest first.
#[utoipa::path(
    tag = "webhooks",
    responses((status = 200, description = "Every subscription", body = ListOut<WebhookOut>))
)]
#[get("/webhooks")]
pub async fn list_webhooks(ctx: Ctx) -> Result<HttpResponse, ApiError> {
    let Ctx { services, meta } = ctx;
    let all = services.run(move |s| s.webhooks.list(&meta)).await?;
    Ok(HttpResponse::Ok().json(ListOut {
        items: all.into_iter().map(WebhookOut::from).collect::<Vec<_>>(),
    }))
}

/// Subscribe a URL to the changes. Deliveries start from the beginning of the ledger; the
/// answer carries the signing secret, once.
#[utoipa::path(
    tag = "webhooks",
    responses(
        (status = 201, description = "The new subscription, with its secret (shown only here)",
            body = CreatedWebhookOut, headers(("Location" = String), ("ETag" = String)))
    )
)]
#[post("/webhooks")]
pub async fn create_webhook(
    ctx: Ctx,
    body: Json<CreateWebhookIn>,
) -> Result<HttpResponse, ApiError> {
    let CreateWebhookIn {
        url,
        kinds,
        changes,
        batch_size,
    } = body.into_inner();
    let (kinds, changes) = names(Some(&kinds), Some(&changes))?;
    let filter = EventFilter::new(kinds.unwrap_or_default(), changes.unwrap_or_default())
        .map_err(|e| ApiError::validation(vec![ApiError::field("kinds", e.to_string())]))?;
    let input = NewWebhookInput {
        url,
        filter,
        batch_size,
    };
    let Ctx { services, meta } = ctx;
    let made = services
        .run(move |s| s.webhooks.create(&input, &meta))
        .await?;
    let location = format!("/api/v1/webhooks/{}", made.subscription.id);
    let version = made.subscription.version;
    Ok(created(location, Some(version)).json(CreatedWebhookOut {
        secret: made.secret.expose().to_owned(),
        webhook: WebhookOut::from(made.subscription),
    }))
}

/// One subscription, with its delivery state (cursor, failures, last error).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = WebhookIdSchema, Path, description = "Subscription id")),
    responses((status = 200, description = "The subscription and its version", body = WebhookOut,
        headers(("ETag" = String))))
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(ctx: Ctx, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = webhook_id(&id)?;
    let Ctx { services, meta } = ctx;
    let found = services.run(move |s| s.webhooks.get(&id, &meta)).await?;
    Ok(ok_with_etag(found.version).json(WebhookOut::from(found)))
}

/// Change a subscription: its URL, filters, batch size, or whether it is enabled (enabling
/// forgets its failures).
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = WebhookIdSchema, Path, description = "Subscription id"),
        ("If-Match" = String, Header, description = "The ETag read, like \"3\", or *")
    ),
    responses((status = 200, description = "The changed subscription", body = WebhookOut,
        headers(("ETag" = String))))
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    ctx: Ctx,
    id: web::Path<String>,
    if_match: IfMatch,
    body: Json<UpdateWebhookIn>,
) -> Result<HttpResponse, ApiError> {
    let id = webhook_id(&id)?;
    let UpdateWebhookIn {
        url,
        kinds,
        changes,
        batch_size,
        enabled,
    } = body.into_inner();
    let (kinds, changes) = names(kinds.as_deref(), changes.as_deref())?;
    let input = WebhookPatchInput {
        url,
        kinds,
        changes,
        batch_size,
        enabled,
    };
    let Ctx { services, meta } = ctx;
    let changed = services
        .run(move |s| s.webhooks.update(&id, if_match.0, &input, &meta))
        .await?;
    Ok(ok_with_etag(changed.version).json(WebhookOut::from(changed)))
}

/// Delete a subscription; its deliveries stop.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = WebhookIdSchema, Path, description = "Subscription id"),
        ("If-Match" = String, Header, description = "The ETag read, like \"3\", or *")
    ),
    responses((status = 204, description = "Deleted"))
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    ctx: Ctx,
    id: web::Path<String>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = webhook_id(&id)?;
    let Ctx { services, meta } = ctx;
    services
        .run(move |s| s.webhooks.delete(&id, if_match.0, &meta))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Deliver again from a ledger seq: the subscription's cursor is set just before it, and the
/// events from there on are sent again (each still carries its `seq` to deduplicate by).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = WebhookIdSchema, Path, description = "Subscription id")),
    responses((status = 200, description = "The subscription with its new cursor",
        body = WebhookOut, headers(("ETag" = String))))
)]
#[post("/webhooks/{id}/replay")]
pub async fn replay_webhook(
    ctx: Ctx,
    id: web::Path<String>,
    body: Json<ReplayIn>,
) -> Result<HttpResponse, ApiError> {
    let id = webhook_id(&id)?;
    let from_seq = body.into_inner().from_seq;
    let Ctx { services, meta } = ctx;
    let replayed = services
        .run(move |s| s.webhooks.replay(&id, from_seq, &meta))
        .await?;
    Ok(ok_with_etag(replayed.version).json(WebhookOut::from(replayed)))
}
