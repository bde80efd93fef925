//! API keys, idempotency keys and health. Mounted twice, as a module of `sqlite` and of `pg` (see
//! `sqlite.rs`).

use super::*;

pub(crate) fn insert_key(c: &mut Conn, key: &NewApiKey) -> Result<ApiKey, DbError> {
    let id = new_id(c, "apikey", |n| Ok(n as i64))?;
    let row = ApiKeyRow {
        id,
        key_id: key.key_id.clone(),
        secret_hash: key.secret_hash.clone(),
        name: key.name.clone(),
        scope: key.scope.as_str().to_owned(),
        created_at: to_db(key.created_at),
        expires_at: key.expires_at.map(to_db),
        revoked_at: None,
        last_used_at: None,
    };
    diesel::insert_into(api_keys::table)
        .values(row)
        .execute(c)?;
    Ok(ApiKey {
        id,
        key_id: key.key_id.clone(),
        name: key.name.clone(),
        scope: key.scope,
        created_at: key.created_at,
        expires_at: key.expires_at,
        revoked_at: None,
        last_used_at: None,
    })
}

pub(crate) fn insert_api_key(c: &mut Conn, key: &NewApiKey) -> Result<ApiKey, DbError> {
    insert_key(c, key)
}

pub(crate) fn insert_first_api_key(
    c: &mut Conn,
    key: &NewApiKey,
) -> Result<Option<ApiKey>, DbError> {
    c.lock_api_keys()?;
    let existing: i64 = api_keys::table.count().get_result(c)?;
    if existing > 0 {
        return Ok(None);
    }
    insert_key(c, key).map(Some)
}

pub(crate) fn find_api_key(
    c: &mut Conn,
    key_id: &str,
) -> Result<Option<(ApiKey, String)>, DbError> {
    api_keys::table
        .filter(api_keys::key_id.eq(key_id))
        .select(ApiKeyRow::as_select())
        .first(c)
        .optional()?
        .map(ApiKeyRow::into_domain)
        .transpose()
}

pub(crate) fn list_api_keys(c: &mut Conn) -> Result<Vec<ApiKey>, DbError> {
    api_keys::table
        .order(api_keys::id)
        .select(ApiKeyRow::as_select())
        .load(c)?
        .into_iter()
        .map(|row| row.into_domain().map(|(key, _)| key))
        .collect()
}

/// Revokes a key, unless it is the last active admin key: with none left, every request
/// would be 401 until someone runs the CLI on the server.
pub(crate) fn revoke_api_key(c: &mut Conn, id: i64, at: DateTime<Utc>) -> Result<ApiKey, DbError> {
    let scope: String = api_keys::table
        .find(id)
        .select(api_keys::scope)
        .first(c)
        .optional()?
        .ok_or_else(|| AppError::not_found("api key", id))?;
    // The scope of a key never changes; whether it is active is decided on the locked rows.
    if scope == Scope::Admin.as_str() {
        let active = c.lock_active_admin_keys(to_db(at))?;
        if active.contains(&id) && active.len() == 1 {
            return Err(AppError::refused(
                ProblemCode::LastAdminKey,
                format!(
                    "api key {id} is the last active admin key: revoking it would lock every \
                     admin out; create another admin key first"
                ),
            )
            .into());
        }
    }
    diesel::update(
        api_keys::table
            .find(id)
            .filter(api_keys::revoked_at.is_null()),
    )
    .set(api_keys::revoked_at.eq(to_db(at)))
    .execute(c)?;
    api_keys::table
        .find(id)
        .select(ApiKeyRow::as_select())
        .first(c)
        .optional()?
        .ok_or_else(|| AppError::not_found("api key", id))?
        .into_domain()
        .map(|(key, _)| key)
}

pub(crate) fn touch_api_key(c: &mut Conn, id: i64, at: DateTime<Utc>) -> Result<(), DbError> {
    diesel::update(api_keys::table.find(id))
        .set(api_keys::last_used_at.eq(to_db(at)))
        .execute(c)?;
    Ok(())
}

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
