//! Devices and their pairing: the pairing tokens an instance makes for its scanners, the
//! challenges a device answers, and the devices themselves. Mounted twice, as a module of
//! `sqlite` and of `pg` (see `sqlite.rs`).

use super::*;

pub(crate) fn create_pairing_token(c: &mut Conn, t: &NewPairingToken) -> Result<(), DbError> {
    diesel::insert_into(pairing_tokens::table)
        .values((
            pairing_tokens::token_hash.eq(t.token_hash.as_str()),
            pairing_tokens::instance_id.eq(t.instance_id.to_string()),
            pairing_tokens::created_at.eq(micros(t.created_at)),
            pairing_tokens::expires_at.eq(micros(t.expires_at)),
        ))
        .execute(c)?;
    Ok(())
}

/// The instance of an unexpired pairing token.
pub(crate) fn pairing_token_instance(
    c: &mut Conn,
    token_hash: &SecretHash,
    now: DateTime<Utc>,
) -> Result<Option<InstanceId>, DbError> {
    let found: Option<String> = pairing_tokens::table
        .find(token_hash.as_str())
        .filter(pairing_tokens::expires_at.gt(micros(now)))
        .select(pairing_tokens::instance_id)
        .first::<String>(c)
        .optional()?;
    found
        .map(|id| InstanceId::parse(&id))
        .transpose()
        .map_err(|e| DbError::corrupt(format!("pairing_tokens.instance_id: {e}")))
}

pub(crate) fn create_challenge(
    c: &mut Conn,
    nonce_hash: &SecretHash,
    expires_at: DateTime<Utc>,
) -> Result<(), DbError> {
    diesel::insert_into(device_challenges::table)
        .values((
            device_challenges::nonce_hash.eq(nonce_hash.as_str()),
            device_challenges::expires_at.eq(micros(expires_at)),
        ))
        .execute(c)?;
    Ok(())
}

pub(crate) fn find_device(c: &mut Conn, id: &DeviceId) -> Result<Option<Device>, DbError> {
    devices::table
        .find(id.as_str())
        .select(DeviceRow::as_select())
        .first(c)
        .optional()?
        .map(DeviceRow::into_device)
        .transpose()
}

pub(crate) fn register_device(c: &mut Conn, r: &DeviceRegistration) -> Result<Device, DbError> {
    let d = &r.device;
    let at = micros(d.updated_at);
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
}

pub(crate) fn list_devices(
    c: &mut Conn,
    instance: Option<InstanceId>,
) -> Result<Vec<Device>, DbError> {
    let instance = instance.map(|i| i.to_string());
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
}

pub(crate) fn set_device_status(
    c: &mut Conn,
    id: &DeviceId,
    status: DeviceStatus,
    at: DateTime<Utc>,
) -> Result<Device, DbError> {
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
}

pub(crate) fn delete_device(c: &mut Conn, id: &DeviceId) -> Result<(), DbError> {
    let n = diesel::delete(devices::table.find(id.as_str())).execute(c)?;
    if n == 0 {
        return Err(AppError::not_found("device", id.as_str()).into());
    }
    Ok(())
}

pub(crate) fn purge_challenges(c: &mut Conn, now: DateTime<Utc>) -> Result<u64, DbError> {
    Ok(diesel::delete(
        device_challenges::table.filter(device_challenges::expires_at.le(micros(now))),
    )
    .execute(c)? as u64)
}

/// The instance's publication of its devices (run in a write transaction): the records it
/// names follow it, unless registered for another instance; its other records become
/// `pending`.
pub(crate) fn publish_devices(
    c: &mut Conn,
    instance: &InstanceId,
    published: &[Device],
    at: DateTime<Utc>,
) -> Result<eckwms_global_application::ports::Published, DbError> {
    let me = instance.to_string();
    let at = micros(at);
    let ids: Vec<&str> = published.iter().map(|d| d.id.as_str()).collect();
    let mut known: std::collections::HashMap<String, DeviceRow> = std::collections::HashMap::new();
    // In slices, so that no statement carries more parameters than a backend takes.
    for chunk in ids.chunks(1000) {
        for row in devices::table
            .filter(devices::id.eq_any(chunk))
            .select(DeviceRow::as_select())
            .load(c)?
        {
            known.insert(row.id.clone(), row);
        }
    }
    let mut outcome = eckwms_global_application::ports::Published {
        devices: published.len(),
        ..Default::default()
    };
    for d in published {
        match known.get(d.id.as_str()) {
            Some(row) if row.instance_id != me => outcome.skipped.push(d.id.clone()),
            Some(row) => {
                let same = row.name == d.name
                    && row.public_key == d.public_key.as_str()
                    && row.status == d.status.as_str();
                if !same {
                    diesel::update(devices::table.find(d.id.as_str()))
                        .set((
                            devices::name.eq(&d.name),
                            devices::public_key.eq(d.public_key.as_str()),
                            devices::status.eq(d.status.as_str()),
                            devices::updated_at.eq(at),
                        ))
                        .execute(c)?;
                    outcome.changed += 1;
                }
            }
            None => {
                diesel::insert_into(devices::table)
                    .values((
                        devices::id.eq(d.id.as_str()),
                        devices::instance_id.eq(&me),
                        devices::name.eq(&d.name),
                        devices::public_key.eq(d.public_key.as_str()),
                        devices::status.eq(d.status.as_str()),
                        devices::registered_at.eq(at),
                        devices::updated_at.eq(at),
                    ))
                    .execute(c)?;
                outcome.changed += 1;
            }
        }
    }
    // The instance's records the publication does not name wait for it again.
    let named: std::collections::HashSet<&str> = ids.iter().copied().collect();
    let others: Vec<String> = devices::table
        .filter(devices::instance_id.eq(&me))
        .filter(devices::status.ne(DeviceStatus::Pending.as_str()))
        .select(devices::id)
        .load::<String>(c)?
        .into_iter()
        .filter(|id| !named.contains(id.as_str()))
        .collect();
    for chunk in others.chunks(1000) {
        outcome.withdrawn += diesel::update(devices::table.filter(devices::id.eq_any(chunk)))
            .set((
                devices::status.eq(DeviceStatus::Pending.as_str()),
                devices::updated_at.eq(at),
            ))
            .execute(c)?;
    }
    Ok(outcome)
}
