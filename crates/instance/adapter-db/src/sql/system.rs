//! Idempotency keys and health. Mounted twice, as a module of `sqlite` and of `pg` (see
//! `sqlite.rs`).

use super::*;

pub(crate) fn claim_idempotency_key(
    c: &mut Conn,
    key: &IdempotencyKeyRef,
    fingerprint: &str,
    at: DateTime<Utc>,
) -> Result<Claim, DbError> {
    let inserted = diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::owner.eq(&key.owner),
            idempotency_keys::key.eq(&key.key),
            idempotency_keys::fingerprint.eq(fingerprint),
            idempotency_keys::state.eq("pending"),
            idempotency_keys::created_at.eq(to_db(at)),
        ))
        .on_conflict_do_nothing()
        .execute(c)?;
    if inserted == 1 {
        return Ok(Claim::Claimed);
    }
    #[allow(clippy::type_complexity)]
    let (fingerprint, state, status, content_type, headers, body, created_at): (
        String,
        String,
        Option<i32>,
        Option<String>,
        Option<String>,
        Option<Vec<u8>>,
        chrono::NaiveDateTime,
    ) = idempotency_keys::table
        .find((&key.owner, &key.key))
        .select((
            idempotency_keys::fingerprint,
            idempotency_keys::state,
            idempotency_keys::status,
            idempotency_keys::content_type,
            idempotency_keys::headers,
            idempotency_keys::body,
            idempotency_keys::created_at,
        ))
        .first(c)?;
    let state = match state.as_str() {
        "pending" => IdempotencyState::Pending,
        "applied" => IdempotencyState::Applied,
        "completed" => IdempotencyState::Completed,
        other => return Err(DbError::corrupt(format!("idempotency state {other:?}"))),
    };
    let response = match (status, content_type, body) {
        (Some(status), Some(content_type), Some(body)) => Some(StoredResponse {
            status: u16::try_from(status).map_err(DbError::corrupt)?,
            content_type,
            body,
            headers: headers
                .map(|h| serde_json::from_str(&h))
                .transpose()
                .map_err(DbError::corrupt)?
                .unwrap_or_default(),
        }),
        _ => None,
    };
    Ok(Claim::Existing(IdempotencyRecord {
        fingerprint,
        state,
        response,
        created_at: from_db(created_at),
    }))
}

pub(crate) fn take_over_idempotency_key(
    c: &mut Conn,
    key: &IdempotencyKeyRef,
    claimed_at: DateTime<Utc>,
    at: DateTime<Utc>,
) -> Result<bool, DbError> {
    let updated = diesel::update(
        idempotency_keys::table
            .find((&key.owner, &key.key))
            .filter(idempotency_keys::state.eq("pending"))
            .filter(idempotency_keys::created_at.eq(to_db(claimed_at))),
    )
    .set(idempotency_keys::created_at.eq(to_db(at)))
    .execute(c)?;
    Ok(updated == 1)
}

pub(crate) fn complete_idempotency_key(
    c: &mut Conn,
    key: &IdempotencyKeyRef,
    response: &StoredResponse,
) -> Result<(), DbError> {
    let headers = serde_json::to_string(&response.headers).map_err(DbError::corrupt)?;
    diesel::update(idempotency_keys::table.find((&key.owner, &key.key)))
        .set((
            idempotency_keys::state.eq("completed"),
            idempotency_keys::status.eq(Some(i32::from(response.status))),
            idempotency_keys::content_type.eq(Some(&response.content_type)),
            idempotency_keys::headers.eq(Some(headers)),
            idempotency_keys::body.eq(Some(&response.body)),
        ))
        .execute(c)?;
    Ok(())
}

pub(crate) fn release_idempotency_key(
    c: &mut Conn,
    key: &IdempotencyKeyRef,
) -> Result<(), DbError> {
    diesel::delete(
        idempotency_keys::table
            .find((&key.owner, &key.key))
            .filter(idempotency_keys::state.eq("pending")),
    )
    .execute(c)?;
    Ok(())
}

pub(crate) fn purge_idempotency_keys(c: &mut Conn, cutoff: DateTime<Utc>) -> Result<u64, DbError> {
    let deleted = diesel::delete(
        idempotency_keys::table.filter(idempotency_keys::created_at.lt(to_db(cutoff))),
    )
    .execute(c)?;
    Ok(deleted as u64)
}

pub(crate) fn ping(c: &mut Conn) -> Result<(), DbError> {
    diesel::sql_query("SELECT 1").execute(c)?;
    Ok(())
}
