//! The ports, implemented for [`Database`]: every method one transaction (or one statement).
//! Each body is written once and compiled for both backends by `on_conn!`/`write_tx!`; the
//! one backend-specific query (the pull's row locks) is [`LockPullable`].

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};
use eckwms_global_application::ProblemCode;
use eckwms_global_application::ports::{CachedView, IdentityRepository, PublicViewRepository};
use eckwms_global_application::ports::{
    DeviceRegistration, DeviceRepository, HealthRepository, Heartbeat, InstanceRepository,
    NewEnrollment, NewPairingToken, NewRegistration, NewRelayScan, RelayRepository, StoredInstance,
};
use eckwms_global_application::{AppError, AppResult};
use eckwms_global_domain::device::{Device, DeviceId, DeviceStatus};
use eckwms_global_domain::public::{GlobalIdentity, PublicView};
use eckwms_global_domain::relay::{RelayedScan, RetentionCut};
use eckwms_global_domain::secret::SecretHash;
use eckwms_global_domain::{Instance, InstanceId, InstanceStatus, Tier};

use crate::error::DbError;
use crate::pool::{Database, on_conn, write_tx};
use crate::rows::{DeviceRow, InstanceRow, ScanRow, ips_json, micros, time};
use crate::schema::{
    device_challenges, devices, enrollment_tokens, global_identity, instances, pairing_tokens,
    public_views, relay_scans,
};

/// One instance row by primary key, on connection `$c`.
macro_rules! find_instance {
    ($c:expr, $id:expr) => {
        instances::table
            .find($id)
            .select(InstanceRow::as_select())
            .first($c)
            .optional()?
            .map(InstanceRow::into_stored)
            .transpose()
    };
}

/// The instance row after a write; its absence is a bug (the write just found it).
macro_rules! reload_instance {
    ($c:expr, $id:expr) => {
        find_instance!($c, $id)?
            .map(|s| s.instance)
            .ok_or_else(|| DbError::corrupt("instance vanished inside its transaction"))
    };
}

/// Ids of the instance's scans a pull may lease now, oldest first, locked for this
/// transaction: PostgreSQL skips rows another pull has locked (`FOR UPDATE SKIP LOCKED`), so
/// two pulls never get one scan; SQLite needs no lock, its write transaction
/// (`BEGIN IMMEDIATE`) being the only one.
pub(crate) trait LockPullable {
    fn pullable_ids(&mut self, instance: &str, now: i64, limit: i64) -> QueryResult<Vec<i64>>;
}

macro_rules! pullable_query {
    ($instance:expr, $now:expr, $limit:expr) => {
        relay_scans::table
            .filter(relay_scans::instance_id.eq($instance))
            .filter(relay_scans::state.ne("confirmed"))
            .filter(
                relay_scans::state
                    .eq("buffered")
                    .or(relay_scans::lease_until.le($now)),
            )
            .order(relay_scans::id)
            .limit($limit)
            .select(relay_scans::id)
    };
}

impl LockPullable for SqliteConnection {
    fn pullable_ids(&mut self, instance: &str, now: i64, limit: i64) -> QueryResult<Vec<i64>> {
        pullable_query!(instance, now, limit).load(self)
    }
}

impl LockPullable for PgConnection {
    fn pullable_ids(&mut self, instance: &str, now: i64, limit: i64) -> QueryResult<Vec<i64>> {
        pullable_query!(instance, now, limit)
            .for_update()
            .skip_locked()
            .load(self)
    }
}

fn token_refusal(state: Option<(Option<i64>, i64)>, now: i64) -> AppError {
    match state {
        None => AppError::refused(
            ProblemCode::EnrollmentTokenInvalid,
            "the enrollment token is not valid",
        ),
        Some((Some(_), _)) => AppError::refused(
            ProblemCode::EnrollmentTokenUsed,
            "the enrollment token was already used",
        ),
        Some((None, expires)) if expires <= now => AppError::refused(
            ProblemCode::EnrollmentTokenExpired,
            "the enrollment token has expired; ask the operator for a new one",
        ),
        Some((None, _)) => AppError::Unavailable(anyhow::anyhow!(
            "the enrollment token changed during the registration"
        )),
    }
}

impl InstanceRepository for Database {
    fn create_enrollment(&self, e: &NewEnrollment) -> AppResult<()> {
        on_conn!(self, |c| {
            diesel::insert_into(enrollment_tokens::table)
                .values((
                    enrollment_tokens::token_hash.eq(e.token_hash.as_str()),
                    enrollment_tokens::name.eq(e.name.as_str()),
                    enrollment_tokens::tier.eq(e.tier.as_str()),
                    enrollment_tokens::created_at.eq(micros(e.created_at)),
                    enrollment_tokens::expires_at.eq(micros(e.expires_at)),
                ))
                .execute(c)?;
            Ok(())
        })
    }

    fn register(&self, r: &NewRegistration) -> AppResult<Instance> {
        let id = r.report.id().to_string();
        let now = micros(r.at);
        let outcome = write_tx!(self, |c| {
            // The token is spent by this UPDATE or not at all: a concurrent registration with
            // the same token waits for this row (PostgreSQL) or the write lock (SQLite), then
            // finds it used.
            let spent = diesel::update(
                enrollment_tokens::table
                    .filter(enrollment_tokens::token_hash.eq(r.token_hash.as_str()))
                    .filter(enrollment_tokens::used_at.is_null())
                    .filter(enrollment_tokens::expires_at.gt(now)),
            )
            .set((
                enrollment_tokens::used_at.eq(now),
                enrollment_tokens::instance_id.eq(&id),
            ))
            .execute(c)?;
            if spent == 0 {
                let state: Option<(Option<i64>, i64)> = enrollment_tokens::table
                    .find(r.token_hash.as_str())
                    .select((enrollment_tokens::used_at, enrollment_tokens::expires_at))
                    .first(c)
                    .optional()?;
                return Err(token_refusal(state, now).into());
            }
            let (name, tier): (String, String) = enrollment_tokens::table
                .find(r.token_hash.as_str())
                .select((enrollment_tokens::name, enrollment_tokens::tier))
                .first(c)?;
            let exists: i64 = instances::table
                .filter(instances::id.eq(&id))
                .count()
                .get_result(c)?;
            if exists > 0 {
                return Err(instance_exists().into());
            }
            diesel::insert_into(instances::table)
                .values((
                    instances::id.eq(&id),
                    instances::name.eq(name),
                    instances::tier.eq(tier),
                    instances::status.eq(InstanceStatus::Active.as_str()),
                    instances::key_hash.eq(r.key_hash.as_str()),
                    instances::server_public_key.eq(r.report.server_public_key().as_hex()),
                    instances::local_ips.eq(ips_json(r.report.local_ips())),
                    instances::port.eq(i32::from(r.report.port())),
                    instances::public_addr.eq(r.public_addr.map(|a| a.to_string())),
                    instances::registered_at.eq(now),
                    instances::last_seen.eq(now),
                ))
                .execute(c)?;
            reload_instance!(c, id.as_str())
        });
        // Two first registrations of one instance id (with two tokens) on PostgreSQL: the
        // loser hits the primary key.
        match outcome {
            Err(AppError::Refused {
                code: ProblemCode::AlreadyExists,
                ..
            }) => Err(instance_exists()),
            other => other,
        }
    }

    fn find(&self, id: &InstanceId) -> AppResult<Option<StoredInstance>> {
        let id = id.to_string();
        on_conn!(self, |c| find_instance!(c, id.as_str()))
    }

    fn heartbeat(&self, h: &Heartbeat) -> AppResult<Instance> {
        let id = h.report.id().to_string();
        write_tx!(self, |c| {
            let updated = diesel::update(
                instances::table
                    .filter(instances::id.eq(&id))
                    .filter(instances::status.eq(InstanceStatus::Active.as_str())),
            )
            .set((
                instances::server_public_key.eq(h.report.server_public_key().as_hex()),
                instances::local_ips.eq(ips_json(h.report.local_ips())),
                instances::port.eq(i32::from(h.report.port())),
                instances::public_addr.eq(h.public_addr.map(|a| a.to_string())),
                instances::last_seen.eq(micros(h.at)),
            ))
            .execute(c)?;
            if updated == 0 {
                return Err(match find_instance!(c, id.as_str())? {
                    None => AppError::not_found("instance", &id),
                    Some(_) => AppError::refused(
                        ProblemCode::InstanceDisabled,
                        "this instance is disabled",
                    ),
                }
                .into());
            }
            reload_instance!(c, id.as_str())
        })
    }

    fn list(&self) -> AppResult<Vec<Instance>> {
        on_conn!(self, |c| {
            instances::table
                .order((instances::name, instances::id))
                .select(InstanceRow::as_select())
                .load(c)?
                .into_iter()
                .map(|row| row.into_stored().map(|s| s.instance))
                .collect::<Result<Vec<_>, DbError>>()
        })
    }

    fn set_status(&self, id: &InstanceId, status: InstanceStatus) -> AppResult<Instance> {
        let id = id.to_string();
        write_tx!(self, |c| {
            let n = diesel::update(instances::table.find(id.as_str()))
                .set(instances::status.eq(status.as_str()))
                .execute(c)?;
            if n == 0 {
                return Err(AppError::not_found("instance", &id).into());
            }
            reload_instance!(c, id.as_str())
        })
    }

    fn set_key(&self, id: &InstanceId, key_hash: &SecretHash) -> AppResult<Instance> {
        let id = id.to_string();
        write_tx!(self, |c| {
            let n = diesel::update(instances::table.find(id.as_str()))
                .set(instances::key_hash.eq(key_hash.as_str()))
                .execute(c)?;
            if n == 0 {
                return Err(AppError::not_found("instance", &id).into());
            }
            reload_instance!(c, id.as_str())
        })
    }

    fn create_pairing_token(&self, t: &NewPairingToken) -> AppResult<()> {
        on_conn!(self, |c| {
            diesel::insert_into(pairing_tokens::table)
                .values((
                    pairing_tokens::token_hash.eq(t.token_hash.as_str()),
                    pairing_tokens::instance_id.eq(t.instance_id.to_string()),
                    pairing_tokens::created_at.eq(micros(t.created_at)),
                    pairing_tokens::expires_at.eq(micros(t.expires_at)),
                ))
                .execute(c)?;
            Ok(())
        })
    }

    fn pairing_token_instance(
        &self,
        token_hash: &SecretHash,
        now: chrono::DateTime<chrono::Utc>,
    ) -> AppResult<Option<InstanceId>> {
        let found: Option<String> = on_conn!(self, |c| {
            Ok(pairing_tokens::table
                .find(token_hash.as_str())
                .filter(pairing_tokens::expires_at.gt(micros(now)))
                .select(pairing_tokens::instance_id)
                .first::<String>(c)
                .optional()?)
        })?;
        found
            .map(|id| InstanceId::parse(&id))
            .transpose()
            .map_err(|e| {
                AppError::from(DbError::corrupt(format!("pairing_tokens.instance_id: {e}")))
            })
    }

    fn purge_expired_tokens(&self, now: chrono::DateTime<chrono::Utc>) -> AppResult<u64> {
        let now = micros(now);
        write_tx!(self, |c| {
            let a = diesel::delete(
                enrollment_tokens::table.filter(enrollment_tokens::expires_at.le(now)),
            )
            .execute(c)?;
            let b =
                diesel::delete(pairing_tokens::table.filter(pairing_tokens::expires_at.le(now)))
                    .execute(c)?;
            Ok((a + b) as u64)
        })
    }
}

fn instance_exists() -> AppError {
    AppError::refused(
        ProblemCode::InstanceExists,
        "an instance with this instanceId is registered already; ask the operator to rotate its key",
    )
}

fn device_changed() -> AppError {
    AppError::refused(
        ProblemCode::DeviceChanged,
        "the device was registered or changed meanwhile; ask for a new challenge and retry",
    )
}

impl DeviceRepository for Database {
    fn create_challenge(
        &self,
        nonce_hash: &SecretHash,
        expires_at: chrono::DateTime<chrono::Utc>,
    ) -> AppResult<()> {
        on_conn!(self, |c| {
            diesel::insert_into(device_challenges::table)
                .values((
                    device_challenges::nonce_hash.eq(nonce_hash.as_str()),
                    device_challenges::expires_at.eq(micros(expires_at)),
                ))
                .execute(c)?;
            Ok(())
        })
    }

    fn find_device(&self, id: &DeviceId) -> AppResult<Option<Device>> {
        on_conn!(self, |c| {
            devices::table
                .find(id.as_str())
                .select(DeviceRow::as_select())
                .first(c)
                .optional()?
                .map(DeviceRow::into_device)
                .transpose()
        })
    }

    fn register_device(&self, r: &DeviceRegistration) -> AppResult<Device> {
        let d = &r.device;
        let at = micros(d.updated_at);
        let outcome = write_tx!(self, |c| {
            // Spending the nonce first: of two registrations with one nonce, one deletes it.
            let spent = diesel::delete(
                device_challenges::table
                    .filter(device_challenges::nonce_hash.eq(r.nonce_hash.as_str()))
                    .filter(device_challenges::expires_at.gt(at)),
            )
            .execute(c)?;
            if spent == 0 {
                return Err(AppError::refused(
                    ProblemCode::ChallengeInvalid,
                    "the nonce is unknown, used or expired; ask for a new challenge",
                )
                .into());
            }
            match &r.expected_key {
                None => {
                    let exists: i64 = devices::table
                        .filter(devices::id.eq(d.id.as_str()))
                        .count()
                        .get_result(c)?;
                    if exists > 0 {
                        return Err(device_changed().into());
                    }
                    diesel::insert_into(devices::table)
                        .values((
                            devices::id.eq(d.id.as_str()),
                            devices::instance_id.eq(d.instance_id.to_string()),
                            devices::name.eq(&d.name),
                            devices::public_key.eq(d.public_key.as_str()),
                            devices::status.eq(d.status.as_str()),
                            devices::registered_at.eq(micros(d.registered_at)),
                            devices::updated_at.eq(at),
                        ))
                        .execute(c)?;
                }
                Some(old) => {
                    let n = diesel::update(
                        devices::table
                            .filter(devices::id.eq(d.id.as_str()))
                            .filter(devices::public_key.eq(old.as_str())),
                    )
                    .set((
                        devices::instance_id.eq(d.instance_id.to_string()),
                        devices::name.eq(&d.name),
                        devices::public_key.eq(d.public_key.as_str()),
                        devices::status.eq(d.status.as_str()),
                        devices::updated_at.eq(at),
                    ))
                    .execute(c)?;
                    if n == 0 {
                        return Err(device_changed().into());
                    }
                }
            }
            devices::table
                .find(d.id.as_str())
                .select(DeviceRow::as_select())
                .first(c)?
                .into_device()
        });
        match outcome {
            Err(AppError::Refused {
                code: ProblemCode::AlreadyExists,
                ..
            }) => Err(device_changed()),
            other => other,
        }
    }

    fn list_devices(&self, instance: Option<InstanceId>) -> AppResult<Vec<Device>> {
        let instance = instance.map(|i| i.to_string());
        on_conn!(self, |c| {
            let mut query = devices::table
                .select(DeviceRow::as_select())
                .order(devices::id)
                .into_boxed();
            if let Some(instance) = &instance {
                query = query.filter(devices::instance_id.eq(instance));
            }
            query
                .load(c)?
                .into_iter()
                .map(DeviceRow::into_device)
                .collect::<Result<Vec<_>, DbError>>()
        })
    }

    fn set_device_status(
        &self,
        id: &DeviceId,
        status: DeviceStatus,
        at: chrono::DateTime<chrono::Utc>,
    ) -> AppResult<Device> {
        write_tx!(self, |c| {
            let n = diesel::update(devices::table.find(id.as_str()))
                .set((
                    devices::status.eq(status.as_str()),
                    devices::updated_at.eq(micros(at)),
                ))
                .execute(c)?;
            if n == 0 {
                return Err(AppError::not_found("device", id.as_str()).into());
            }
            devices::table
                .find(id.as_str())
                .select(DeviceRow::as_select())
                .first(c)?
                .into_device()
        })
    }

    fn delete_device(&self, id: &DeviceId) -> AppResult<()> {
        on_conn!(self, |c| {
            let n = diesel::delete(devices::table.find(id.as_str())).execute(c)?;
            if n == 0 {
                return Err(AppError::not_found("device", id.as_str()).into());
            }
            Ok(())
        })
    }

    fn purge_challenges(&self, now: chrono::DateTime<chrono::Utc>) -> AppResult<u64> {
        on_conn!(self, |c| {
            Ok(diesel::delete(
                device_challenges::table.filter(device_challenges::expires_at.le(micros(now))),
            )
            .execute(c)? as u64)
        })
    }
}

impl RelayRepository for Database {
    fn add_scan(&self, s: &NewRelayScan) -> AppResult<(RelayedScan, bool)> {
        let attempt = || {
            write_tx!(self, |c| {
                let existing = relay_scans::table
                    .filter(relay_scans::device_id.eq(s.device_id.as_str()))
                    .filter(relay_scans::msg_id.eq(&s.msg_id))
                    .select(ScanRow::as_select())
                    .first(c)
                    .optional()?;
                if let Some(row) = existing {
                    if row.barcode != s.barcode {
                        return Err(AppError::refused(
                            ProblemCode::MsgIdReused,
                            "this device already sent another scan with this msgId",
                        )
                        .into());
                    }
                    return Ok((row.into_scan()?, false));
                }
                diesel::insert_into(relay_scans::table)
                    .values((
                        relay_scans::instance_id.eq(s.instance_id.to_string()),
                        relay_scans::device_id.eq(s.device_id.as_str()),
                        relay_scans::msg_id.eq(&s.msg_id),
                        relay_scans::barcode.eq(&s.barcode),
                        relay_scans::state.eq("buffered"),
                        relay_scans::received_at.eq(micros(s.received_at)),
                        relay_scans::deliveries.eq(0),
                    ))
                    .execute(c)?;
                let row = relay_scans::table
                    .filter(relay_scans::device_id.eq(s.device_id.as_str()))
                    .filter(relay_scans::msg_id.eq(&s.msg_id))
                    .select(ScanRow::as_select())
                    .first(c)?;
                Ok((row.into_scan()?, true))
            })
        };
        // Two copies of one scan at once on PostgreSQL: the loser hits the unique key and, run
        // again, finds the winner's row.
        match attempt() {
            Err(AppError::Refused {
                code: ProblemCode::AlreadyExists,
                ..
            }) => attempt(),
            other => other,
        }
    }

    fn pull(
        &self,
        instance: &InstanceId,
        now: chrono::DateTime<chrono::Utc>,
        lease_until: chrono::DateTime<chrono::Utc>,
        limit: usize,
    ) -> AppResult<Vec<RelayedScan>> {
        let instance = instance.to_string();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        write_tx!(self, |c| {
            let ids = c.pullable_ids(&instance, micros(now), limit)?;
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            diesel::update(relay_scans::table.filter(relay_scans::id.eq_any(&ids)))
                .set((
                    relay_scans::state.eq("delivered"),
                    relay_scans::lease_until.eq(micros(lease_until)),
                    relay_scans::deliveries.eq(relay_scans::deliveries + 1),
                ))
                .execute(c)?;
            relay_scans::table
                .filter(relay_scans::id.eq_any(&ids))
                .order(relay_scans::id)
                .select(ScanRow::as_select())
                .load(c)?
                .into_iter()
                .map(ScanRow::into_scan)
                .collect::<Result<Vec<_>, DbError>>()
        })
    }

    fn confirm(
        &self,
        instance: &InstanceId,
        ids: &[i64],
        at: chrono::DateTime<chrono::Utc>,
    ) -> AppResult<Vec<i64>> {
        let instance = instance.to_string();
        write_tx!(self, |c| {
            diesel::update(
                relay_scans::table
                    .filter(relay_scans::instance_id.eq(&instance))
                    .filter(relay_scans::id.eq_any(ids))
                    .filter(relay_scans::state.eq("delivered")),
            )
            .set((
                relay_scans::state.eq("confirmed"),
                relay_scans::confirmed_at.eq(micros(at)),
                relay_scans::lease_until.eq(None::<i64>),
            ))
            .execute(c)?;
            Ok(relay_scans::table
                .filter(relay_scans::instance_id.eq(&instance))
                .filter(relay_scans::id.eq_any(ids))
                .filter(relay_scans::state.eq("confirmed"))
                .order(relay_scans::id)
                .select(relay_scans::id)
                .load::<i64>(c)?)
        })
    }

    fn purge_free_tier(&self, cut: &RetentionCut) -> AppResult<u64> {
        let before = micros(cut.unconfirmed_received_before);
        let confirmed = cut.confirmed;
        on_conn!(self, |c| {
            let free = instances::table
                .filter(instances::tier.eq(Tier::Free.as_str()))
                .select(instances::id);
            let deleted = if confirmed {
                diesel::delete(
                    relay_scans::table
                        .filter(relay_scans::instance_id.eq_any(free))
                        .filter(
                            relay_scans::state
                                .eq("confirmed")
                                .or(relay_scans::received_at.lt(before)),
                        ),
                )
                .execute(c)?
            } else {
                diesel::delete(
                    relay_scans::table
                        .filter(relay_scans::instance_id.eq_any(free))
                        .filter(relay_scans::received_at.lt(before)),
                )
                .execute(c)?
            };
            Ok(deleted as u64)
        })
    }

    fn list_scans(&self, instance: &InstanceId, limit: usize) -> AppResult<Vec<RelayedScan>> {
        let instance = instance.to_string();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        on_conn!(self, |c| {
            relay_scans::table
                .filter(relay_scans::instance_id.eq(&instance))
                .order(relay_scans::id)
                .limit(limit)
                .select(ScanRow::as_select())
                .load(c)?
                .into_iter()
                .map(ScanRow::into_scan)
                .collect::<Result<Vec<_>, DbError>>()
        })
    }
}

impl IdentityRepository for Database {
    fn identity_or_insert(
        &self,
        candidate: &GlobalIdentity,
        at: DateTime<Utc>,
    ) -> AppResult<GlobalIdentity> {
        let seed = hex::encode(candidate.seed());
        let public_key = candidate.public_key_hex();
        let stored: String = write_tx!(self, |c| {
            // Of two processes starting at once, the first insert wins; the other reads it.
            diesel::insert_into(global_identity::table)
                .values((
                    global_identity::id.eq(1),
                    global_identity::secret_seed.eq(&seed),
                    global_identity::public_key.eq(&public_key),
                    global_identity::created_at.eq(micros(at)),
                ))
                .on_conflict_do_nothing()
                .execute(c)?;
            Ok(global_identity::table
                .find(1)
                .select(global_identity::secret_seed)
                .first::<String>(c)?)
        })?;
        let seed: [u8; 32] = hex::decode(stored)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| AppError::from(DbError::corrupt("global_identity.secret_seed")))?;
        Ok(GlobalIdentity::from_seed(&seed))
    }
}

impl PublicViewRepository for Database {
    fn find_view(&self, instance: &InstanceId, object_id: &str) -> AppResult<Option<CachedView>> {
        let key = instance.to_string();
        let row: Option<(Option<String>, i64)> = on_conn!(self, |c| {
            Ok(public_views::table
                .find((&key, object_id))
                .select((public_views::view, public_views::fetched_at))
                .first(c)
                .optional()?)
        })?;
        let Some((view, fetched_at)) = row else {
            return Ok(None);
        };
        let view = view
            .map(|json| PublicView::from_json(json.as_bytes()))
            .transpose()
            .map_err(|e| AppError::from(DbError::corrupt(format!("public_views.view: {e}"))))?;
        Ok(Some(CachedView {
            instance_id: *instance,
            object_id: object_id.to_owned(),
            view,
            fetched_at: time(fetched_at)?,
        }))
    }

    fn store_view(&self, v: &CachedView) -> AppResult<()> {
        let instance = v.instance_id.to_string();
        let view = v.view.as_ref().map(PublicView::to_json);
        let fetched_at = micros(v.fetched_at);
        on_conn!(self, |c| {
            diesel::insert_into(public_views::table)
                .values((
                    public_views::instance_id.eq(&instance),
                    public_views::object_id.eq(&v.object_id),
                    public_views::view.eq(&view),
                    public_views::fetched_at.eq(fetched_at),
                ))
                .on_conflict((public_views::instance_id, public_views::object_id))
                .do_update()
                .set((
                    public_views::view.eq(&view),
                    public_views::fetched_at.eq(fetched_at),
                ))
                .execute(c)?;
            Ok(())
        })
    }

    fn purge_views(&self, before: DateTime<Utc>) -> AppResult<u64> {
        let before = micros(before);
        on_conn!(self, |c| {
            let deleted =
                diesel::delete(public_views::table.filter(public_views::fetched_at.lt(before)))
                    .execute(c)?;
            Ok(deleted as u64)
        })
    }
}

impl HealthRepository for Database {
    fn ping(&self) -> AppResult<()> {
        on_conn!(self, |c| {
            diesel::sql_query("SELECT 1").execute(c)?;
            Ok(())
        })?;
        match self.pending_migrations().map_err(AppError::from)? {
            0 => Ok(()),
            n => Err(AppError::Unavailable(anyhow::anyhow!(
                "{n} migration(s) not applied"
            ))),
        }
    }
}
