//! The scan relay: scans a device posts for its instance wait here until the instance pulls
//! them (each pulled scan is leased) and confirms them.
//!
//! States: `buffered` (never pulled) -> `delivered` (pulled, lease running) -> `confirmed`.
//! A `delivered` scan whose lease has ended is pullable again: nothing is stranded.

use chrono::{DateTime, Duration, Utc};

use crate::instance::Tier;

/// Most scans one pull returns, and most ids one confirmation names.
pub const MAX_BATCH: usize = 500;
/// Longest scanned text, in bytes.
pub const MAX_BARCODE: usize = 4096;
/// Longest message id, in bytes.
pub const MAX_MSG_ID: usize = 128;
/// Unconfirmed scans of the free tier are deleted after this many days.
pub const FREE_RETENTION_DAYS: i64 = 7;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanState {
    Buffered,
    Delivered,
    Confirmed,
}

impl ScanState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Buffered => "buffered",
            Self::Delivered => "delivered",
            Self::Confirmed => "confirmed",
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "buffered" => Ok(Self::Buffered),
            "delivered" => Ok(Self::Delivered),
            "confirmed" => Ok(Self::Confirmed),
            _ => Err("must be buffered, delivered or confirmed".into()),
        }
    }
}

/// The device's id of one scan (its retries carry the same one): 1 to 128 printable ASCII
/// characters, no spaces.
pub fn parse_msg_id(text: &str) -> Result<String, String> {
    if (1..=MAX_MSG_ID).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "must be 1 to {MAX_MSG_ID} printable ASCII characters without spaces"
        ))
    }
}

/// What was scanned: 1 to 4096 bytes, no NUL and no line breaks (GS1's group separator is
/// allowed).
pub fn parse_barcode(text: &str) -> Result<String, String> {
    if text.is_empty() || text.len() > MAX_BARCODE {
        return Err(format!("must be 1 to {MAX_BARCODE} bytes"));
    }
    if text.chars().any(|c| matches!(c, '\0' | '\n' | '\r')) {
        return Err("must not contain NUL or line breaks".into());
    }
    Ok(text.to_owned())
}

/// A batch size asked for: 1 to [`MAX_BATCH`].
pub fn parse_batch(limit: i64) -> Result<usize, String> {
    usize::try_from(limit)
        .ok()
        .filter(|n| (1..=MAX_BATCH).contains(n))
        .ok_or_else(|| format!("must be from 1 to {MAX_BATCH}"))
}

/// A scan waiting in the relay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelayedScan {
    pub id: i64,
    pub device_id: String,
    pub msg_id: String,
    pub barcode: String,
    pub state: ScanState,
    pub received_at: DateTime<Utc>,
    /// Set while (or after) the scan is leased to a puller.
    pub lease_until: Option<DateTime<Utc>>,
    /// How often it was pulled.
    pub deliveries: i32,
}

/// Whether a scan may be handed to a puller at `now`.
pub fn is_pullable(
    state: ScanState,
    lease_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    match state {
        ScanState::Buffered => true,
        ScanState::Delivered => lease_until.is_none_or(|until| until <= now),
        ScanState::Confirmed => false,
    }
}

/// What retention deletes for one tier at `now`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetentionCut {
    /// Confirmed scans go at once: the instance has them.
    pub confirmed: bool,
    /// Scans never confirmed and received before this go too.
    pub unconfirmed_received_before: DateTime<Utc>,
}

/// The free tier deletes confirmed scans and scans left unconfirmed for
/// [`FREE_RETENTION_DAYS`]; the paid tier keeps everything (`None`).
pub fn retention(tier: Tier, now: DateTime<Utc>) -> Option<RetentionCut> {
    match tier {
        Tier::Free => Some(RetentionCut {
            confirmed: true,
            unconfirmed_received_before: now - Duration::days(FREE_RETENTION_DAYS),
        }),
        Tier::Paid => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leases_end_and_confirmed_scans_stay_put() {
        let now = DateTime::from_timestamp(1_000, 0).unwrap();
        let later = now + Duration::seconds(1);
        assert!(is_pullable(ScanState::Buffered, None, now));
        assert!(!is_pullable(ScanState::Delivered, Some(later), now));
        assert!(is_pullable(ScanState::Delivered, Some(now), now));
        assert!(!is_pullable(ScanState::Confirmed, None, now));
    }

    #[test]
    fn free_tier_forgets_after_seven_days_paid_keeps() {
        let now = DateTime::from_timestamp(10 * 86_400, 0).unwrap();
        let cut = retention(Tier::Free, now).unwrap();
        assert_eq!(
            cut.unconfirmed_received_before,
            DateTime::from_timestamp(3 * 86_400, 0).unwrap()
        );
        assert!(cut.confirmed);
        assert_eq!(retention(Tier::Paid, now), None);
    }

    #[test]
    fn inputs_are_bounded() {
        assert!(parse_msg_id("m-1").is_ok());
        assert!(parse_msg_id("a b").is_err());
        assert!(parse_msg_id("").is_err());
        assert!(parse_barcode("(01)123\u{1d}45").is_ok());
        assert!(parse_barcode("a\nb").is_err());
        assert!(parse_barcode(&"x".repeat(4097)).is_err());
        assert_eq!(parse_batch(500), Ok(500));
        assert!(parse_batch(0).is_err());
        assert!(parse_batch(501).is_err());
    }
}
