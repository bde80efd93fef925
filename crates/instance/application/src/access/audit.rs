//! The audit log: security events (logins, refusals, changes to users, roles, devices and keys),
//! append-only.

use std::sync::Arc;

use eckwms_domain::access::Permission;

use super::Actor;
use crate::common::{Page, RequestMeta, paginate};
use crate::error::AppResult;
use crate::ports::{AuditFilter, AuditRecord, AuditRepository, Clock, PageQuery};

#[derive(Clone)]
pub struct AuditService {
    repo: Arc<dyn AuditRepository>,
    clock: Arc<dyn Clock>,
}

impl AuditService {
    pub fn new(repo: Arc<dyn AuditRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { repo, clock }
    }

    /// Newest first. Needs [`Permission::CoreAdmin`].
    pub fn list(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
        page: &PageQuery<i64>,
    ) -> AppResult<Page<AuditRecord>> {
        actor.require(Permission::CoreAdmin)?;
        paginate(
            page,
            |p| self.repo.list_audit(filter, p),
            |r| r.seq.to_string(),
        )
    }

    /// Records a refused request (401 or 403 on a change): `status`, the method and path, and
    /// the code of the refusal. `meta.actor` is who was refused; `None` when nobody was
    /// authenticated.
    pub fn record_refusal(
        &self,
        meta: Option<&RequestMeta>,
        address: Option<String>,
        request_id: Option<String>,
        status: u16,
        code: &str,
        route: &str,
    ) -> AppResult<()> {
        let entry = crate::ports::AuditEntry {
            at: self.clock.now(),
            event: if status == 401 {
                "refused_unauthenticated"
            } else {
                "refused_forbidden"
            }
            .to_owned(),
            actor: meta.map(|m| m.actor.ledger_name()),
            address,
            request_id,
            subject: Some(route.to_owned()),
            detail: Some(serde_json::json!({"status": status, "code": code}).to_string()),
        };
        self.repo.record_audit(&entry)
    }
}
