//! Instances: enrollment tokens, registration, heartbeats, what the operator changes, and the
//! purge of expired tokens. Mounted twice, as a module of `sqlite` and of `pg` (see
//! `sqlite.rs`).

use super::*;

/// One instance row by primary key.
pub(crate) fn find_instance(c: &mut Conn, id: &str) -> Result<Option<StoredInstance>, DbError> {
    instances::table
        .find(id)
        .select(InstanceRow::as_select())
        .first(c)
        .optional()?
        .map(InstanceRow::into_stored)
        .transpose()
}

/// The instance row after a write; its absence is a bug (the write just found it).
fn reload_instance(c: &mut Conn, id: &str) -> Result<Instance, DbError> {
    find_instance(c, id)?
        .map(|s| s.instance)
        .ok_or_else(|| DbError::corrupt("instance vanished inside its transaction"))
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

pub(crate) fn create_enrollment(c: &mut Conn, e: &NewEnrollment) -> Result<(), DbError> {
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
}

pub(crate) fn register_instance(c: &mut Conn, r: &NewRegistration) -> Result<Instance, DbError> {
    let id = r.report.id().to_string();
    let now = micros(r.at);
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
    reload_instance(c, id.as_str())
}

pub(crate) fn heartbeat(c: &mut Conn, h: &Heartbeat) -> Result<Instance, DbError> {
    let id = h.report.id().to_string();
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
        return Err(match find_instance(c, id.as_str())? {
            None => AppError::not_found("instance", &id),
            Some(_) => {
                AppError::refused(ProblemCode::InstanceDisabled, "this instance is disabled")
            }
        }
        .into());
    }
    reload_instance(c, id.as_str())
}

pub(crate) fn list_instances(c: &mut Conn) -> Result<Vec<Instance>, DbError> {
    instances::table
        .order((instances::name, instances::id))
        .select(InstanceRow::as_select())
        .load(c)?
        .into_iter()
        .map(|row| row.into_stored().map(|s| s.instance))
        .collect::<Result<Vec<_>, DbError>>()
}

pub(crate) fn set_instance_status(
    c: &mut Conn,
    id: &InstanceId,
    status: InstanceStatus,
) -> Result<Instance, DbError> {
    let id = id.to_string();
    let n = diesel::update(instances::table.find(id.as_str()))
        .set(instances::status.eq(status.as_str()))
        .execute(c)?;
    if n == 0 {
        return Err(AppError::not_found("instance", &id).into());
    }
    reload_instance(c, id.as_str())
}

pub(crate) fn set_instance_key(
    c: &mut Conn,
    id: &InstanceId,
    key_hash: &SecretHash,
) -> Result<Instance, DbError> {
    let id = id.to_string();
    let n = diesel::update(instances::table.find(id.as_str()))
        .set(instances::key_hash.eq(key_hash.as_str()))
        .execute(c)?;
    if n == 0 {
        return Err(AppError::not_found("instance", &id).into());
    }
    reload_instance(c, id.as_str())
}

/// Enrollment tokens and pairing tokens (`devices.rs`) that expired by `now`, in one
/// transaction.
pub(crate) fn purge_expired_tokens(c: &mut Conn, now: DateTime<Utc>) -> Result<u64, DbError> {
    let now = micros(now);
    let a = diesel::delete(enrollment_tokens::table.filter(enrollment_tokens::expires_at.le(now)))
        .execute(c)?;
    let b = diesel::delete(pairing_tokens::table.filter(pairing_tokens::expires_at.le(now)))
        .execute(c)?;
    Ok((a + b) as u64)
}
