//! Devices: the challenges of their registrations, the registry, the admins' changes, what a
//! signed request reads and records, the operators logged in on them. Mounted twice, as a module of `sqlite` and of `pg` (see
//! `sqlite.rs`).
//!
//! Every change writes its audit entry (`audit`, of `sql/access.rs`) in its transaction, after
//! the change succeeded.

use super::*;

pub(crate) fn create_challenge(
    c: &mut Conn,
    nonce: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), DbError> {
    diesel::insert_into(device_challenges::table)
        .values((
            device_challenges::nonce.eq(nonce),
            device_challenges::expires_at.eq(to_db(expires_at)),
        ))
        .execute(c)?;
    Ok(())
}

fn load_device(c: &mut Conn, id: &str) -> Result<Option<DeviceRow>, DbError> {
    Ok(devices::table
        .find(id)
        .select(DeviceRow::as_select())
        .first(c)
        .optional()?)
}

pub(crate) fn find_device(c: &mut Conn, id: &DeviceId) -> Result<Option<Device>, DbError> {
    load_device(c, id.as_str())?
        .map(DeviceRow::into_domain)
        .transpose()
}

fn device_changed() -> DbError {
    AppError::refused(
        ProblemCode::DeviceChanged,
        "the device was registered, changed or removed meanwhile; ask for a new challenge and \
         register again",
    )
    .into()
}

pub(crate) fn register_device(
    c: &mut Conn,
    r: &DeviceRegistration,
    at: DateTime<Utc>,
    entry: &AuditEntry,
) -> Result<Device, DbError> {
    // The nonce first: of two registrations with one nonce, the second waits for the first's
    // delete (PostgreSQL) or its turn at the writer (SQLite), and then deletes nothing.
    let spent = diesel::delete(
        device_challenges::table
            .filter(device_challenges::nonce.eq(&r.nonce))
            .filter(device_challenges::expires_at.gt(to_db(at))),
    )
    .execute(c)?;
    if spent == 0 {
        return Err(AppError::refused(
            ProblemCode::ChallengeInvalid,
            "the nonce is unknown, used or expired; ask for a new challenge",
        )
        .into());
    }
    let row = DeviceRow::from_domain(&r.device);
    match r.expected_version {
        None => {
            // ON CONFLICT: a device registered since the check is not overwritten.
            let inserted = diesel::insert_into(devices::table)
                .values(&row)
                .on_conflict(devices::id)
                .do_nothing()
                .execute(c)?;
            if inserted == 0 {
                return Err(device_changed());
            }
        }
        Some(version) => {
            // Only while it is still the device the registration was checked against (its
            // key, its status and role).
            let updated = diesel::update(
                devices::table
                    .find(&row.id)
                    .filter(devices::version.eq(version)),
            )
            .set((
                devices::name.eq(&row.name),
                devices::public_key.eq(&row.public_key),
                devices::version.eq(row.version),
                devices::updated_at.eq(row.updated_at),
            ))
            .execute(c)?;
            if updated == 0 {
                return Err(device_changed());
            }
        }
    }
    audit(c, entry)?;
    load_device(c, &row.id)?
        .ok_or_else(device_changed)?
        .into_domain()
}

pub(crate) fn list_devices(
    c: &mut Conn,
    filter: &DeviceFilter,
    page: &PageQuery<DeviceId>,
) -> Result<Vec<Device>, DbError> {
    let mut query = devices::table
        .select(DeviceRow::as_select())
        .order(devices::id)
        .into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(devices::status.eq(status.as_str()));
    }
    if let Some(after) = &page.after {
        query = query.filter(devices::id.gt(after.as_str().to_owned()));
    }
    query
        .limit(i64::from(page.limit))
        .load(c)?
        .into_iter()
        .map(DeviceRow::into_domain)
        .collect()
}

/// The device's row, locked until the transaction ends, after checking `expected`.
fn lock_device(c: &mut Conn, id: &DeviceId, expected: Expected) -> Result<DeviceRow, DbError> {
    c.lock_rows(Locked::Devices, &[id.as_str().to_owned()])?;
    let row = load_device(c, id.as_str())?
        .ok_or_else(|| DbError::from(AppError::not_found("device", id.as_str())))?;
    expected.check(row.version)?;
    Ok(row)
}

pub(crate) fn update_device(
    c: &mut Conn,
    id: &DeviceId,
    expected: Expected,
    patch: &DevicePatch,
    at: DateTime<Utc>,
    entry: &AuditEntry,
) -> Result<Device, DbError> {
    let mut row = lock_device(c, id, expected)?;
    let mut changed = false;
    if let Some(name) = &patch.name
        && name.as_str() != row.name
    {
        row.name = name.as_str().to_owned();
        changed = true;
    }
    if let Some(status) = patch.status
        && status.as_str() != row.status
    {
        row.status = status.as_str().to_owned();
        changed = true;
    }
    if let Some(role) = &patch.role
        && *role != row.role
    {
        row.role = role.clone();
        changed = true;
    }
    // As every update here: one that changes nothing writes nothing (version, audit included).
    if changed {
        row.version += 1;
        row.updated_at = to_db(at);
        diesel::update(devices::table.find(&row.id))
            .set((
                devices::name.eq(&row.name),
                devices::status.eq(&row.status),
                devices::role.eq(&row.role),
                devices::version.eq(row.version),
                devices::updated_at.eq(row.updated_at),
            ))
            .execute(c)?;
        audit(c, entry)?;
    }
    row.into_domain()
}

pub(crate) fn delete_device(
    c: &mut Conn,
    id: &DeviceId,
    expected: Expected,
    entry: &AuditEntry,
) -> Result<(), DbError> {
    lock_device(c, id, expected)?;
    diesel::delete(devices::table.find(id.as_str())).execute(c)?;
    audit(c, entry)
}

pub(crate) fn purge_challenges(c: &mut Conn, now: DateTime<Utc>) -> Result<u64, DbError> {
    let deleted = diesel::delete(
        device_challenges::table.filter(device_challenges::expires_at.le(to_db(now))),
    )
    .execute(c)?;
    Ok(deleted as u64)
}

/// The device and its role's stored permissions (`devices LEFT JOIN roles`), then the operator
/// logged in on it with their role's (`device_operators JOIN users JOIN roles`): two
/// primary-key reads.
pub(crate) fn find_signer(c: &mut Conn, id: &DeviceId) -> Result<Option<Signer>, DbError> {
    let found: Option<(DeviceRow, Option<String>)> = devices::table
        .left_join(roles::table)
        .filter(devices::id.eq(id.as_str()))
        .select((DeviceRow::as_select(), roles::permissions.nullable()))
        .first(c)
        .optional()?;
    let Some((row, permissions)) = found else {
        return Ok(None);
    };
    let operator: Option<(OperatorRow, UserRow, String)> = device_operators::table
        .inner_join(users::table.inner_join(roles::table))
        .filter(device_operators::device_id.eq(id.as_str()))
        .select((
            OperatorRow::as_select(),
            UserRow::as_select(),
            roles::permissions,
        ))
        .first(c)
        .optional()?;
    Ok(Some(Signer {
        device: row.into_domain()?,
        role_permissions: permissions.as_deref().map(Permissions::from_stored),
        operator: operator
            .map(|(operator, user, permissions)| {
                Ok::<_, DbError>(Operator {
                    user: user.into_user()?,
                    permissions: Permissions::from_stored(&permissions),
                    started_at: from_db(operator.started_at),
                    last_seen_at: from_db(operator.last_seen_at),
                })
            })
            .transpose()?,
    }))
}

pub(crate) fn touch_device(c: &mut Conn, id: &DeviceId, at: DateTime<Utc>) -> Result<(), DbError> {
    diesel::update(devices::table.find(id.as_str()))
        .set(devices::last_seen_at.eq(Some(to_db(at))))
        .execute(c)?;
    Ok(())
}

/// ON CONFLICT: of concurrent copies of one signed request, one inserts; the others wait for
/// it and insert nothing.
pub(crate) fn record_signature(
    c: &mut Conn,
    hash: &str,
    expires_at: DateTime<Utc>,
) -> Result<bool, DbError> {
    let inserted = diesel::insert_into(device_signatures::table)
        .values((
            device_signatures::hash.eq(hash),
            device_signatures::expires_at.eq(to_db(expires_at)),
        ))
        .on_conflict(device_signatures::hash)
        .do_nothing()
        .execute(c)?;
    Ok(inserted == 1)
}

pub(crate) fn purge_signatures(c: &mut Conn, now: DateTime<Utc>) -> Result<u64, DbError> {
    let deleted = diesel::delete(
        device_signatures::table.filter(device_signatures::expires_at.le(to_db(now))),
    )
    .execute(c)?;
    Ok(deleted as u64)
}

pub(crate) fn start_operator(
    c: &mut Conn,
    operator: &NewOperator,
    forget_failures: &str,
    entry: &AuditEntry,
) -> Result<(), DbError> {
    let user_id = operator.user.to_string();
    let at = to_db(operator.at);
    // First, and on the user's row (locked until the commit), as a password login does: the
    // user must still be the one whose PIN the login checked. A new PIN or password or a
    // deactivation committed since refuses the login; one committed after this waits for it,
    // and then ends it.
    let current = diesel::update(
        users::table
            .find(&user_id)
            .filter(users::version.eq(operator.user_version))
            .filter(users::active.eq(true)),
    )
    .set(users::last_login_at.eq(Some(at)))
    .execute(c)?;
    if current == 0 {
        return Err(AppError::refused(
            ProblemCode::InvalidCredentials,
            // The answer of every failed login: it tells nothing of the user.
            "the user or the PIN is wrong",
        )
        .into());
    }
    // One operator per scanner: whoever was logged in there is logged out.
    diesel::delete(device_operators::table.find(operator.device.as_str())).execute(c)?;
    diesel::insert_into(device_operators::table)
        .values(OperatorRow {
            device_id: operator.device.as_str().to_owned(),
            user_id,
            started_at: at,
            last_seen_at: at,
        })
        .execute(c)?;
    diesel::delete(failed_logins::table.filter(failed_logins::subject.eq(forget_failures)))
        .execute(c)?;
    audit(c, entry)
}

pub(crate) fn end_operator(
    c: &mut Conn,
    device: &DeviceId,
    entry: &AuditEntry,
) -> Result<bool, DbError> {
    let deleted = diesel::delete(device_operators::table.find(device.as_str())).execute(c)?;
    if deleted == 0 {
        return Ok(false);
    }
    audit(c, entry)?;
    Ok(true)
}

pub(crate) fn touch_operator(
    c: &mut Conn,
    device: &DeviceId,
    at: DateTime<Utc>,
) -> Result<(), DbError> {
    diesel::update(device_operators::table.find(device.as_str()))
        .set(device_operators::last_seen_at.eq(to_db(at)))
        .execute(c)?;
    Ok(())
}

pub(crate) fn purge_operators(c: &mut Conn, idle_before: DateTime<Utc>) -> Result<u64, DbError> {
    let deleted = diesel::delete(
        device_operators::table.filter(device_operators::last_seen_at.lt(to_db(idle_before))),
    )
    .execute(c)?;
    Ok(deleted as u64)
}
