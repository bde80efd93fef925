//! The audit log (`core.admin`): security events, newest first.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use eckwms_application::ports::{AuditFilter, AuditRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::dto::PageOut;
use crate::extract::{Ctx, QueryCheck};
use crate::problem::ApiError;
use crate::schema;

/// Registers the audit route.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_audit);
}

/// One security event.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditOut {
    /// Its place in the log: later events have larger numbers.
    pub seq: i64,
    pub at: DateTime<Utc>,
    /// What happened: `login_succeeded`, `login_failed`, `login_throttled`, `logout`,
    /// `refused_unauthenticated`, `refused_forbidden`, `user_created`, `user_changed`,
    /// `user_activated`, `user_deactivated`, `user_secrets_reset`, `role_created`,
    /// `role_changed`, `role_deleted`, `apikey_created`, `apikey_revoked`.
    pub event: String,
    /// Who did it (`user:u…`, `apikey:3`, `console`); `null` when nobody was authenticated.
    pub actor: Option<String>,
    /// The client's address.
    pub address: Option<String>,
    pub request_id: Option<String>,
    /// What it concerned: `user:u…`, `role:PICKER`, `apikey:3`, `username:anna`, or the
    /// refused request (`POST /api/v1/racks`).
    pub subject: Option<String>,
    /// More about it (never a secret).
    #[schema(value_type = Option<Object>)]
    pub detail: Option<serde_json::Value>,
}

impl From<AuditRecord> for AuditOut {
    fn from(r: AuditRecord) -> Self {
        let e = r.entry;
        Self {
            seq: r.seq,
            at: e.at,
            event: e.event,
            actor: e.actor,
            address: e.address,
            request_id: e.request_id,
            subject: e.subject,
            detail: e.detail.and_then(|d| serde_json::from_str(&d).ok()),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only events of this kind.
    #[param(value_type = Option<schema::QueryText>)]
    pub event: Option<String>,
    /// Only events of this actor (`user:u…`, `apikey:3`).
    #[param(value_type = Option<schema::QueryText>)]
    pub actor: Option<String>,
    /// Only events about this subject (`user:u…`, `role:PICKER`).
    #[param(value_type = Option<schema::QueryText>)]
    pub subject: Option<String>,
    /// Page size, 1 to 500 (default 50).
    #[param(value_type = Option<schema::PageLimit>)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page (a sequence number).
    #[param(value_type = Option<schema::Serial>)]
    pub cursor: Option<String>,
}

/// The audit log, newest first.
#[utoipa::path(
    tag = "audit",
    params(AuditQuery),
    responses((status = 200, description = "One page of events", body = PageOut<AuditOut>))
)]
#[get("/audit")]
pub async fn list_audit(ctx: Ctx, query: web::Query<AuditQuery>) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let mut check = QueryCheck::new();
    let filter = AuditFilter {
        event: check.text("event", q.event.as_deref()),
        actor: check.text("actor", q.actor.as_deref()),
        subject: check.text("subject", q.subject.as_deref()),
    };
    let cursor = check.int("cursor", q.cursor.as_deref());
    let page = check.page(cursor, q.limit.as_deref())?;
    let (services, actor) = (ctx.services, ctx.meta.actor);
    let result = services
        .run(move |s| s.audit.list(&actor, &filter, &page))
        .await?;
    Ok(HttpResponse::Ok().json(PageOut::from_page(result, AuditOut::from)))
}
