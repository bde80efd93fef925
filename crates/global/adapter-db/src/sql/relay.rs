//! The relay: scans buffered for an instance, leased to its pulls, confirmed, and purged for
//! the free tier. Mounted twice, as a module of `sqlite` and of `pg` (see `sqlite.rs`).

use super::*;

/// Stores a scan once per device and message id; `true` when it is new.
pub(crate) fn add_scan(c: &mut Conn, s: &NewRelayScan) -> Result<(RelayedScan, bool), DbError> {
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
}

/// Leases up to `limit` of the instance's pullable scans until `lease_until`, oldest first;
/// the rows are locked with [`LockPullable`].
pub(crate) fn pull_scans(
    c: &mut Conn,
    instance: &InstanceId,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<RelayedScan>, DbError> {
    let instance = instance.to_string();
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
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
}

/// Ends the leases of the instance's delivered scans at `now`: its next pull takes them.
pub(crate) fn end_leases(
    c: &mut Conn,
    instance: &InstanceId,
    now: DateTime<Utc>,
) -> Result<u64, DbError> {
    let ended = diesel::update(
        relay_scans::table
            .filter(relay_scans::instance_id.eq(instance.to_string()))
            .filter(relay_scans::state.eq("delivered")),
    )
    .set(relay_scans::lease_until.eq(micros(now)))
    .execute(c)?;
    Ok(ended as u64)
}

/// The instance's scans not confirmed: a range of the partial index `relay_scans_open`.
pub(crate) fn count_open_scans(c: &mut Conn, instance: &InstanceId) -> Result<i64, DbError> {
    Ok(relay_scans::table
        .filter(relay_scans::instance_id.eq(instance.to_string()))
        .filter(relay_scans::state.ne("confirmed"))
        .count()
        .get_result(c)?)
}

/// Confirms the instance's delivered scans among `ids`; returns the ids confirmed now or
/// before.
pub(crate) fn confirm_scans(
    c: &mut Conn,
    instance: &InstanceId,
    ids: &[i64],
    at: DateTime<Utc>,
) -> Result<Vec<i64>, DbError> {
    let instance = instance.to_string();
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
}

pub(crate) fn purge_free_tier(c: &mut Conn, cut: &RetentionCut) -> Result<u64, DbError> {
    let before = micros(cut.unconfirmed_received_before);
    let confirmed = cut.confirmed;
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
}

pub(crate) fn list_scans(
    c: &mut Conn,
    instance: &InstanceId,
    limit: usize,
) -> Result<Vec<RelayedScan>, DbError> {
    let instance = instance.to_string();
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    relay_scans::table
        .filter(relay_scans::instance_id.eq(&instance))
        .order(relay_scans::id)
        .limit(limit)
        .select(ScanRow::as_select())
        .load(c)?
        .into_iter()
        .map(ScanRow::into_scan)
        .collect::<Result<Vec<_>, DbError>>()
}
