//! The overview: counts, the newest ledger rows, scans per hour and the names of actors, all
//! reads. Mounted twice, as a module of `sqlite` and of `pg` (see `sqlite.rs`).

use eckwms_application::ports::{ActorIds, ActorNames, StoredCounts};

use super::*;

pub(crate) fn overview_counts(c: &mut Conn) -> Result<StoredCounts, DbError> {
    let items: i64 = items::table.count().get_result(c)?;
    let boxes: i64 = boxes::table.count().get_result(c)?;
    let places: i64 = places::table.count().get_result(c)?;
    let per_status: Vec<(String, i64)> = orders::table
        .group_by(orders::status)
        .select((orders::status, diesel::dsl::count_star()))
        .load(c)?;
    let orders = per_status
        .into_iter()
        .map(|(status, n)| {
            OrderStatus::parse(&status)
                .map(|status| (status, n))
                .ok_or_else(|| DbError::corrupt(format!("order status {status:?}")))
        })
        .collect::<Result<_, _>>()?;
    Ok(StoredCounts {
        items,
        boxes,
        places,
        orders,
    })
}

/// The newest rows by the ledger's primary key, read backwards from its end.
pub(crate) fn latest_ledger(c: &mut Conn, limit: u32) -> Result<Vec<LedgerEntry>, DbError> {
    ledger::table
        .order(ledger::seq.desc())
        .limit(i64::from(limit))
        .select(LedgerRow::as_select())
        .load(c)?
        .into_iter()
        .map(LedgerRow::into_domain)
        .collect()
}

/// One count per hour, each a range of the index `scans_by_at`: cheap however long the scan
/// log, and the same SQL on both backends (grouping by the hour would need each backend's
/// own date functions).
pub(crate) fn scans_per_hour(
    c: &mut Conn,
    start: DateTime<Utc>,
    hours: u32,
) -> Result<Vec<i64>, DbError> {
    let mut counts = Vec::with_capacity(hours as usize);
    for hour in 0..i64::from(hours) {
        let from = start + chrono::Duration::hours(hour);
        let until = from + chrono::Duration::hours(1);
        let n: i64 = scans::table
            .filter(scans::at.ge(to_db(from)))
            .filter(scans::at.lt(to_db(until)))
            .count()
            .get_result(c)?;
        counts.push(n);
    }
    Ok(counts)
}

pub(crate) fn actor_names(c: &mut Conn, ids: &ActorIds) -> Result<ActorNames, DbError> {
    let mut names = ActorNames::default();
    let user_ids: Vec<String> = ids.users.iter().map(UserId::to_string).collect();
    for chunk in user_ids.chunks(INSERT_CHUNK) {
        let rows: Vec<(String, String)> = users::table
            .filter(users::id.eq_any(chunk))
            .select((users::id, users::display_name))
            .load(c)?;
        for (id, name) in rows {
            names.users.push((typed::<UserId>(&id)?, name));
        }
    }
    for chunk in ids.api_keys.chunks(INSERT_CHUNK) {
        let rows: Vec<(i64, String)> = api_keys::table
            .filter(api_keys::id.eq_any(chunk))
            .select((api_keys::id, api_keys::name))
            .load(c)?;
        names.api_keys.extend(rows);
    }
    let device_ids: Vec<&str> = ids.devices.iter().map(DeviceId::as_str).collect();
    for chunk in device_ids.chunks(INSERT_CHUNK) {
        let rows: Vec<(String, String)> = devices::table
            .filter(devices::id.eq_any(chunk))
            .select((devices::id, devices::name))
            .load(c)?;
        for (id, name) in rows {
            let id = DeviceId::parse(&id)
                .map_err(|e| DbError::corrupt(format!("device id {id:?}: {e}")))?;
            names.devices.push((id, name));
        }
    }
    Ok(names)
}
