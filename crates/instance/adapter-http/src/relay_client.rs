//! The global service's relay routes for this instance ([`RelayClient`]), over the same HTTP
//! client as the link's other calls (`global_client.rs`).

use actix_web::http::Method;
use chrono::{DateTime, Utc};
use eckwms_application::ports::{GlobalCallError, PulledBatch, RelayClient, RelayedScan};
use eckwms_domain::global::{GlobalUrl, InstanceKey};
use serde::Deserialize;

use crate::global_client::{HttpGlobalClient, bearer};

/// Largest pull answer read: 500 scans of the longest barcode (4096 bytes, JSON-escaped at
/// worst six bytes for one) with their other fields.
const MAX_PULL_ANSWER: usize = 16 * 1024 * 1024;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScanIn {
    id: i64,
    device_id: String,
    msg_id: String,
    barcode: String,
    received_at: DateTime<Utc>,
}

#[derive(Deserialize)]
struct PulledIn {
    scans: Vec<ScanIn>,
    /// Answered by global services that count it (absent before).
    #[serde(default)]
    backlog: Option<i64>,
}

#[derive(Deserialize)]
struct ConfirmedIn {
    confirmed: Vec<i64>,
}

fn not_understood(what: &str, e: &serde_json::Error) -> GlobalCallError {
    GlobalCallError::Unreachable(format!("the {what}'s answer is not understood: {e}"))
}

/// Reads a pull's answer.
fn pulled(body: &[u8]) -> Result<PulledBatch, GlobalCallError> {
    let answer: PulledIn = serde_json::from_slice(body).map_err(|e| not_understood("pull", &e))?;
    Ok(PulledBatch {
        scans: answer
            .scans
            .into_iter()
            .map(|s| RelayedScan {
                id: s.id,
                device_id: s.device_id,
                msg_id: s.msg_id,
                barcode: s.barcode,
                received_at: s.received_at,
            })
            .collect(),
        backlog: answer.backlog,
    })
}

impl RelayClient for HttpGlobalClient {
    fn pull(
        &self,
        url: &GlobalUrl,
        key: &InstanceKey,
        limit: usize,
        reclaim: bool,
    ) -> Result<PulledBatch, GlobalCallError> {
        let answer = self.exchange_limited(
            Method::POST,
            format!("{url}/ECK/API/INTERNAL/RELAY/PULL"),
            bearer(key),
            serde_json::json!({ "limit": limit, "reclaim": reclaim }),
            MAX_PULL_ANSWER,
        )?;
        pulled(&Self::expect(answer, 200)?)
    }

    fn confirm(
        &self,
        url: &GlobalUrl,
        key: &InstanceKey,
        ids: &[i64],
    ) -> Result<Vec<i64>, GlobalCallError> {
        let answer = self.exchange_limited(
            Method::POST,
            format!("{url}/ECK/API/INTERNAL/RELAY/CONFIRM"),
            bearer(key),
            serde_json::json!({ "ids": ids }),
            MAX_PULL_ANSWER,
        )?;
        let body = Self::expect(answer, 200)?;
        let confirmed: ConfirmedIn =
            serde_json::from_slice(&body).map_err(|e| not_understood("confirmation", &e))?;
        Ok(confirmed.confirmed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pull_is_read_with_or_without_its_backlog() {
        let body = br#"{"scans":[{"id":7,"deviceId":"PDA-1","msgId":"m1","barcode":"ABC","state":"delivered","receivedAt":"2026-12-10T09:00:00.123456Z","leaseUntil":"2026-12-10T09:02:00Z","deliveries":1}],"backlog":3}"#;
        let batch = pulled(body).unwrap();
        assert_eq!(batch.backlog, Some(3));
        assert_eq!(batch.scans.len(), 1);
        assert_eq!(
            (batch.scans[0].id, batch.scans[0].device_id.as_str()),
            (7, "PDA-1")
        );
        assert_eq!(pulled(br#"{"scans":[]}"#).unwrap(), PulledBatch::default());
        let e = pulled(b"<html>").unwrap_err();
        assert!(matches!(e, GlobalCallError::Unreachable(_)), "{e}");
    }
}
