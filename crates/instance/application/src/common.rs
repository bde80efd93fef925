//! What the wings' use cases share: who asks ([`RequestMeta`], and the [`WriteContext`] of the
//! writes made for it) and pages of lists ([`page_query`], [`Page`]).

use eckwms_domain::Note;

use eckwms_domain::access::Permission;

use crate::access::Actor;
use crate::error::{AppError, AppResult};
use crate::ports::{AuditEntry, Clock, IdempotencyKeyRef, PageQuery, WriteContext};

/// Default and largest page sizes of every list.
pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 500;

/// Validates a page request: `limit` defaults to 50 and must be 1..=500.
pub fn page_query<C>(after: Option<C>, limit: Option<i64>) -> AppResult<PageQuery<C>> {
    let limit = match limit {
        None => DEFAULT_LIMIT,
        Some(n) if (1..=i64::from(MAX_LIMIT)).contains(&n) => n as u32,
        Some(_) => {
            return Err(AppError::invalid(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
    };
    Ok(PageQuery { after, limit })
}

/// One page of a list and the cursor of the next, if there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Runs a list query for one more row than asked, to know whether a next page exists.
pub(crate) fn paginate<C, T>(
    page: &PageQuery<C>,
    fetch: impl FnOnce(&PageQuery<C>) -> AppResult<Vec<T>>,
    cursor_of: impl Fn(&T) -> String,
) -> AppResult<Page<T>>
where
    C: Clone,
{
    let probe = PageQuery {
        after: page.after.clone(),
        limit: page.limit + 1,
    };
    let mut items = fetch(&probe)?;
    let next_cursor = if items.len() > page.limit as usize {
        items.truncate(page.limit as usize);
        items.last().map(cursor_of)
    } else {
        None
    };
    Ok(Page { items, next_cursor })
}

/// Who is asking, under which request, and with which idempotency key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestMeta {
    pub actor: Actor,
    pub request_id: Option<String>,
    pub idempotency: Option<IdempotencyKeyRef>,
    /// The client's address, for the audit log.
    pub address: Option<String>,
}

impl RequestMeta {
    /// A request of the operator at the command line.
    pub fn console() -> Self {
        Self {
            actor: Actor::console(),
            request_id: None,
            idempotency: None,
            address: None,
        }
    }

    /// An audit entry of `event` made by this request's actor, now.
    pub fn audit(
        &self,
        event: &str,
        clock: &dyn Clock,
        subject: Option<String>,
        detail: Option<serde_json::Value>,
    ) -> AuditEntry {
        AuditEntry {
            at: clock.now(),
            event: event.to_owned(),
            actor: (!self.actor.is_anonymous()).then(|| self.actor.ledger_name()),
            address: self.address.clone(),
            request_id: self.request_id.clone(),
            subject,
            detail: detail.map(|d| d.to_string()),
        }
    }

    /// The context of a write made for this request, when its actor holds `permission` (else 403
    /// `forbidden`): the actor as the ledger names it, the request id and idempotency key, the
    /// time from `clock`, and the reason given, if any.
    pub(crate) fn write_context(
        &self,
        permission: Permission,
        clock: &dyn Clock,
        reason: Option<&Note>,
    ) -> AppResult<WriteContext> {
        self.actor.require(permission)?;
        Ok(WriteContext {
            actor: self.actor.ledger_name(),
            at: clock.now(),
            request_id: self.request_id.clone(),
            reason: reason.map(|r| r.as_str().to_owned()),
            scan: None,
            idempotency: self.idempotency.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_limits_are_validated() {
        assert_eq!(page_query::<i64>(None, None).unwrap().limit, DEFAULT_LIMIT);
        assert_eq!(page_query::<i64>(None, Some(500)).unwrap().limit, 500);
        for bad in [0, -1, 501, i64::MAX] {
            assert!(matches!(
                page_query::<i64>(None, Some(bad)),
                Err(AppError::Invalid(_))
            ));
        }
    }
}
