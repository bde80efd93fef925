//! Idempotent mutating requests (`Idempotency-Key`).
//!
//! A request with a key first claims it. The claim is a row keyed by (owner, key) in the
//! database, so two processes or two concurrent requests cannot both own it. The owner's write
//! marks the claim applied inside the same transaction as its effect; the response is stored
//! afterwards. A replay with the same fingerprint returns the stored response; another
//! fingerprint is refused.

use std::sync::Arc;

use chrono::Duration;

use crate::error::{AppError, AppResult, ProblemCode};
use crate::ports::{
    Claim, Clock, IdempotencyKeyRef, IdempotencyRepository, IdempotencyState, StoredResponse,
};

/// Keys are kept at least this long.
pub const MIN_RETENTION_HOURS: i64 = 24;
/// A claim is taken as held by a live request for this long. Older, a claim still pending is
/// taken over (its owner died before any effect), and one whose effect committed without a
/// stored response reports the response as lost (its owner died in between).
pub const RESPONSE_GRACE_SECS: i64 = 300;

/// What to do with a request that carries an idempotency key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Begin {
    /// Run it: this request owns the key.
    Proceed,
    /// Answer with the stored response and do nothing.
    Replay(StoredResponse),
    /// Another request with this key is running.
    InProgress,
    /// The first request's effect committed but its response was not stored (a crash between
    /// the two); the effect is not repeated.
    ResponseLost,
}

#[derive(Clone)]
pub struct IdempotencyService {
    repo: Arc<dyn IdempotencyRepository>,
    clock: Arc<dyn Clock>,
    retention: Duration,
}

impl IdempotencyService {
    pub fn new(
        repo: Arc<dyn IdempotencyRepository>,
        clock: Arc<dyn Clock>,
        retention_hours: i64,
    ) -> Self {
        Self {
            repo,
            clock,
            retention: Duration::hours(retention_hours.max(MIN_RETENTION_HOURS)),
        }
    }

    /// A key is 1 to 255 visible ASCII characters.
    pub fn validate_key(key: &str) -> AppResult<()> {
        if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(AppError::invalid(
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters",
            ));
        }
        Ok(())
    }

    pub fn begin(&self, key: &IdempotencyKeyRef, fingerprint: &str) -> AppResult<Begin> {
        Self::validate_key(&key.key)?;
        match self.repo.claim(key, fingerprint, self.clock.now())? {
            Claim::Claimed => Ok(Begin::Proceed),
            Claim::Existing(record) if record.fingerprint != fingerprint => Err(AppError::refused(
                ProblemCode::IdempotencyKeyReused,
                "this Idempotency-Key was used with another request",
            )),
            Claim::Existing(record) => {
                let recent =
                    self.clock.now() - record.created_at < Duration::seconds(RESPONSE_GRACE_SECS);
                Ok(match (record.state, record.response) {
                    (IdempotencyState::Completed, Some(response)) => Begin::Replay(response),
                    (IdempotencyState::Pending, _) if recent => Begin::InProgress,
                    (IdempotencyState::Pending, _) => {
                        // Pending for long: its owner died before any effect (an effect marks
                        // the claim applied in its own transaction). Take it over, atomically.
                        if self
                            .repo
                            .take_over(key, record.created_at, self.clock.now())?
                        {
                            Begin::Proceed
                        } else {
                            Begin::InProgress
                        }
                    }
                    (IdempotencyState::Applied, _) if recent => Begin::InProgress,
                    (IdempotencyState::Applied, _) | (IdempotencyState::Completed, None) => {
                        Begin::ResponseLost
                    }
                })
            }
        }
    }

    pub fn finish(&self, key: &IdempotencyKeyRef, response: &StoredResponse) -> AppResult<()> {
        self.repo.complete(key, response)
    }

    /// Frees the key of a request that failed without effect, so that a retry can run.
    pub fn abandon(&self, key: &IdempotencyKeyRef) -> AppResult<()> {
        self.repo.release(key)
    }

    /// Deletes keys older than the retention period.
    pub fn purge(&self) -> AppResult<u64> {
        self.repo.purge_before(self.clock.now() - self.retention)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::{IdempotencyRecord, MockClock, MockIdempotencyRepository};
    use chrono::{TimeZone, Utc};

    fn service(repo: MockIdempotencyRepository) -> IdempotencyService {
        let mut clock = MockClock::new();
        clock
            .expect_now()
            .returning(|| Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap());
        IdempotencyService::new(Arc::new(repo), Arc::new(clock), 1)
    }

    fn key() -> IdempotencyKeyRef {
        IdempotencyKeyRef {
            owner: "apikey:1".into(),
            key: "k-1".into(),
        }
    }

    fn record(
        fingerprint: &str,
        state: IdempotencyState,
        response: Option<StoredResponse>,
    ) -> IdempotencyRecord {
        IdempotencyRecord {
            fingerprint: fingerprint.into(),
            state,
            response,
            created_at: Utc.with_ymd_and_hms(2026, 11, 24, 11, 59, 0).unwrap(),
        }
    }

    /// An hour old: past the grace period.
    fn old(record: IdempotencyRecord) -> IdempotencyRecord {
        IdempotencyRecord {
            created_at: Utc.with_ymd_and_hms(2026, 11, 24, 11, 0, 0).unwrap(),
            ..record
        }
    }

    #[test]
    fn replays_mismatches_and_in_progress() {
        let response = StoredResponse {
            status: 201,
            content_type: "application/json".into(),
            body: b"{}".to_vec(),
            headers: vec![],
        };
        let cases = vec![
            (Claim::Claimed, Ok(Begin::Proceed)),
            (
                Claim::Existing(record(
                    "f",
                    IdempotencyState::Completed,
                    Some(response.clone()),
                )),
                Ok(Begin::Replay(response)),
            ),
            (
                Claim::Existing(record("f", IdempotencyState::Pending, None)),
                Ok(Begin::InProgress),
            ),
            (
                Claim::Existing(old(record("f", IdempotencyState::Applied, None))),
                Ok(Begin::ResponseLost),
            ),
            (
                Claim::Existing(record("f", IdempotencyState::Applied, None)),
                Ok(Begin::InProgress),
            ),
            (
                Claim::Existing(record("other", IdempotencyState::Pending, None)),
                Err(()),
            ),
        ];
        for (claim, expected) in cases {
            let mut repo = MockIdempotencyRepository::new();
            repo.expect_claim()
                .times(1)
                .return_once(move |_, _, _| Ok(claim));
            let got = service(repo).begin(&key(), "f");
            match expected {
                Ok(begin) => assert_eq!(got.unwrap(), begin),
                Err(()) => assert!(matches!(
                    got,
                    Err(AppError::Refused {
                        code: ProblemCode::IdempotencyKeyReused,
                        ..
                    })
                )),
            }
        }
    }

    #[test]
    fn a_long_pending_claim_is_taken_over_once() {
        let claimed_at = Utc.with_ymd_and_hms(2026, 11, 24, 11, 0, 0).unwrap();
        for (won, expected) in [(true, Begin::Proceed), (false, Begin::InProgress)] {
            let mut repo = MockIdempotencyRepository::new();
            repo.expect_claim().return_once(move |_, _, _| {
                Ok(Claim::Existing(old(record(
                    "f",
                    IdempotencyState::Pending,
                    None,
                ))))
            });
            repo.expect_take_over()
                .withf(move |_, at, _| *at == claimed_at)
                .times(1)
                .return_once(move |_, _, _| Ok(won));
            assert_eq!(service(repo).begin(&key(), "f").unwrap(), expected);
        }
    }

    #[test]
    fn bad_keys_never_reach_the_store() {
        let mut repo = MockIdempotencyRepository::new();
        repo.expect_claim().never();
        let service = service(repo);
        for bad in ["", "with space", "ümlaut", &"x".repeat(256)] {
            let key = IdempotencyKeyRef {
                owner: "apikey:1".into(),
                key: bad.into(),
            };
            assert!(matches!(
                service.begin(&key, "f"),
                Err(AppError::Invalid(_))
            ));
        }
    }

    #[test]
    fn retention_is_at_least_a_day() {
        let mut repo = MockIdempotencyRepository::new();
        repo.expect_purge_before()
            .withf(|cutoff| *cutoff == Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap())
            .returning(|_| Ok(3));
        assert_eq!(service(repo).purge().unwrap(), 3);
    }
}
