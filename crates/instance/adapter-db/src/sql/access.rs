//! Access: roles, users, sessions, failed logins, the audit log and API keys. Mounted twice, as
//! a module of `sqlite` and of `pg` (see `sqlite.rs`).
//!
//! Every change writes its audit entry (`audit`) in the change's transaction, after the change
//! succeeded: a refused change leaves no entry, and an entry never outlives its change.

use super::*;

/// Appends an audit entry.
pub(crate) fn audit(c: &mut Conn, entry: &AuditEntry) -> Result<(), DbError> {
    diesel::insert_into(audit_log::table)
        .values(NewAuditRow::from_domain(entry))
        .execute(c)?;
    Ok(())
}

// ------------------------------------------------------------------------------------ roles

pub(crate) fn seed_roles(c: &mut Conn, roles: &[Role]) -> Result<u64, DbError> {
    let mut inserted = 0;
    // One cached statement per role: there are a handful, once per start.
    for role in roles {
        inserted += diesel::insert_into(roles::table)
            .values(RoleRow::from_domain(role))
            .on_conflict(roles::name)
            .do_nothing()
            .execute(c)?;
    }
    Ok(inserted as u64)
}

pub(crate) fn list_roles(c: &mut Conn) -> Result<Vec<Role>, DbError> {
    Ok(roles::table
        .order(roles::name)
        .select(RoleRow::as_select())
        .load(c)?
        .into_iter()
        .map(RoleRow::into_domain)
        .collect())
}

pub(crate) fn find_role(c: &mut Conn, name: &str) -> Result<Option<Role>, DbError> {
    Ok(roles::table
        .find(name)
        .select(RoleRow::as_select())
        .first(c)
        .optional()?
        .map(RoleRow::into_domain))
}

pub(crate) fn create_role(c: &mut Conn, role: &Role, entry: &AuditEntry) -> Result<Role, DbError> {
    // ON CONFLICT: of two concurrent creations of one name, the second waits for the first
    // and then inserts nothing, instead of failing on the primary key.
    let inserted = diesel::insert_into(roles::table)
        .values(RoleRow::from_domain(role))
        .on_conflict(roles::name)
        .do_nothing()
        .execute(c)?;
    if inserted == 0 {
        return Err(AppError::refused(
            ProblemCode::RoleExists,
            format!("a role named {} exists", role.name),
        )
        .into());
    }
    audit(c, entry)?;
    Ok(role.clone())
}

/// The role's row under `lock`, or 404.
fn locked_role(c: &mut Conn, name: &str, lock: RoleLock) -> Result<RoleRow, DbError> {
    c.lock_role(name, lock)?
        .ok_or_else(|| AppError::not_found("role", name).into())
}

pub(crate) fn update_role(
    c: &mut Conn,
    name: &str,
    expected: Expected,
    patch: &RolePatch,
    at: DateTime<Utc>,
    entry: &AuditEntry,
) -> Result<Role, DbError> {
    let mut role = locked_role(c, name, RoleLock::Change)?.into_domain();
    expected.check(role.version)?;
    let before = role.clone();
    if let Some(description) = &patch.description {
        role.description = description.clone();
    }
    if let Some(permissions) = patch.permissions {
        role.permissions = permissions;
    }
    // As every update here: one that changes nothing writes nothing (version, audit included).
    if role != before {
        role.version += 1;
        role.updated_at = at;
        diesel::update(roles::table.find(name))
            .set(RoleRow::from_domain(&role))
            .execute(c)?;
        audit(c, entry)?;
    }
    Ok(role)
}

pub(crate) fn delete_role(
    c: &mut Conn,
    name: &str,
    expected: Expected,
    entry: &AuditEntry,
) -> Result<(), DbError> {
    // FOR UPDATE: waits for every writer that gives the role to a user, a device or a key and
    // keeps new ones out (`RoleLock::Delete`), so the reads below stay true until the commit.
    let role = locked_role(c, name, RoleLock::Delete)?;
    expected.check(role.version)?;
    let user: Option<String> = users::table
        .filter(users::role.eq(name))
        .select(users::id)
        .first(c)
        .optional()?;
    let key: Option<i64> = api_keys::table
        .filter(api_keys::role.eq(name))
        .select(api_keys::id)
        .first(c)
        .optional()?;
    let device: Option<String> = devices::table
        .filter(devices::role.eq(name))
        .select(devices::id)
        .first(c)
        .optional()?;
    let holder = match (user, key, device) {
        (Some(user), _, _) => Some(format!("user {user}")),
        (None, Some(key), _) => Some(format!("api key {key}")),
        (None, None, Some(device)) => Some(format!("device {device}")),
        (None, None, None) => None,
    };
    if let Some(holder) = holder {
        return Err(AppError::refused(
            ProblemCode::RoleInUse,
            format!("the role {name} is given to {holder} (and maybe others): give them another role first"),
        )
        .into());
    }
    diesel::delete(roles::table.find(name)).execute(c)?;
    audit(c, entry)
}

/// Refuses a role that does not exist, with a message naming it. Writers of users need no lock
/// for this: their foreign key takes it (and fails the same way, with a plainer message, when
/// the role is deleted between this read and the write).
fn ensure_role(c: &mut Conn, name: &str) -> Result<(), DbError> {
    let found: Option<String> = roles::table
        .find(name)
        .select(roles::name)
        .first(c)
        .optional()?;
    match found {
        Some(_) => Ok(()),
        None => Err(missing_role(name)),
    }
}

fn missing_role(name: &str) -> DbError {
    AppError::refused(
        ProblemCode::ReferenceMissing,
        format!("there is no role named {name}"),
    )
    .into()
}

// ------------------------------------------------------------------------------------ users

pub(crate) fn create_user(
    c: &mut Conn,
    user: &NewUser,
    entry: &AuditEntry,
) -> Result<User, DbError> {
    ensure_role(c, &user.role)?;
    let id = new_id(c, "user", UserId::new)?;
    let row = UserRow {
        id: id.to_string(),
        username: user.username.clone(),
        username_key: user.username_key.clone(),
        display_name: user.display_name.clone(),
        role: user.role.clone(),
        active: true,
        password_hash: user.password_hash.clone(),
        pin_hash: user.pin_hash.clone(),
        last_login_at: None,
        version: 1,
        created_at: to_db(user.created_at),
        updated_at: to_db(user.created_at),
        language: None,
    };
    // ON CONFLICT on the lower-case name: of concurrent creations of one name, in any case,
    // one inserts; the others wait for it and insert nothing.
    let inserted = diesel::insert_into(users::table)
        .values(&row)
        .on_conflict(users::username_key)
        .do_nothing()
        .execute(c)?;
    if inserted == 0 {
        return Err(AppError::refused(
            ProblemCode::UsernameTaken,
            format!("the username {} is taken", user.username),
        )
        .into());
    }
    audit(c, entry)?;
    row.into_user()
}

fn load_user(c: &mut Conn, id: UserId) -> Result<UserRow, DbError> {
    users::table
        .find(id.to_string())
        .select(UserRow::as_select())
        .first(c)
        .optional()?
        .ok_or_else(|| AppError::not_found("user", id).into())
}

pub(crate) fn get_user(c: &mut Conn, id: UserId) -> Result<User, DbError> {
    load_user(c, id)?.into_user()
}

pub(crate) fn list_users(c: &mut Conn, page: &PageQuery<UserId>) -> Result<Vec<User>, DbError> {
    let mut query = users::table
        .select(UserRow::as_select())
        .order(users::id)
        .into_boxed();
    if let Some(after) = page.after {
        query = query.filter(users::id.gt(after.to_string()));
    }
    query
        .limit(i64::from(page.limit))
        .load(c)?
        .into_iter()
        .map(UserRow::into_user)
        .collect()
}

/// The user's row, locked until the transaction ends, after checking `expected`.
fn lock_user(c: &mut Conn, id: UserId, expected: Expected) -> Result<UserRow, DbError> {
    c.lock_rows(Locked::Users, &[id.to_string()])?;
    let row = load_user(c, id)?;
    expected.check(row.version)?;
    Ok(row)
}

fn end_sessions_of(c: &mut Conn, id: &str) -> Result<(), DbError> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(id))).execute(c)?;
    end_operating_of(c, id)
}

/// Logs the user out of every scanner they are logged in on (`device_operators`, the devices
/// wing's): a deactivation, a new password or a new PIN ends it.
fn end_operating_of(c: &mut Conn, id: &str) -> Result<(), DbError> {
    diesel::delete(device_operators::table.filter(device_operators::user_id.eq(id))).execute(c)?;
    Ok(())
}

pub(crate) fn update_user(
    c: &mut Conn,
    id: UserId,
    expected: Expected,
    patch: &UserPatch,
    at: DateTime<Utc>,
    entry: &AuditEntry,
) -> Result<User, DbError> {
    let mut row = lock_user(c, id, expected)?;
    let mut changed = false;
    if let Some(display_name) = &patch.display_name
        && *display_name != row.display_name
    {
        row.display_name = display_name.clone();
        changed = true;
    }
    if let Some(role) = &patch.role
        && *role != row.role
    {
        ensure_role(c, role)?;
        row.role = role.clone();
        changed = true;
    }
    if let Some(active) = patch.active
        && active != row.active
    {
        row.active = active;
        changed = true;
    }
    if let Some(language) = patch.language {
        let code = language.map(|l| l.code().to_owned());
        if code != row.language {
            row.language = code;
            changed = true;
        }
    }
    if changed {
        row.version += 1;
        row.updated_at = to_db(at);
        diesel::update(users::table.find(&row.id))
            .set((
                users::display_name.eq(&row.display_name),
                users::role.eq(&row.role),
                users::active.eq(row.active),
                users::language.eq(&row.language),
                users::version.eq(row.version),
                users::updated_at.eq(row.updated_at),
            ))
            .execute(c)?;
        audit(c, entry)?;
    }
    if patch.active == Some(false) {
        // An inactive user has no sessions (also those a login begun before made meanwhile).
        end_sessions_of(c, &row.id)?;
    }
    row.into_user()
}

pub(crate) fn set_credentials(
    c: &mut Conn,
    id: UserId,
    expected: Expected,
    credentials: &NewCredentials,
    at: DateTime<Utc>,
    entry: &AuditEntry,
) -> Result<User, DbError> {
    let mut row = lock_user(c, id, expected)?;
    if credentials.password_hash.is_none() && credentials.pin_hash.is_none() {
        return row.into_user();
    }
    if let Some(password_hash) = &credentials.password_hash {
        row.password_hash = password_hash.clone();
        // A new password ends every session begun with the old one.
        end_sessions_of(c, &row.id)?;
    }
    if let Some(pin_hash) = &credentials.pin_hash {
        row.pin_hash = pin_hash.clone();
        // A new PIN (or none) ends the operator's logins on scanners, made with the old one.
        end_operating_of(c, &row.id)?;
    }
    row.version += 1;
    row.updated_at = to_db(at);
    diesel::update(users::table.find(&row.id))
        .set((
            users::password_hash.eq(&row.password_hash),
            users::pin_hash.eq(&row.pin_hash),
            users::version.eq(row.version),
            users::updated_at.eq(row.updated_at),
        ))
        .execute(c)?;
    audit(c, entry)?;
    row.into_user()
}

pub(crate) fn find_login(c: &mut Conn, username_key: &str) -> Result<Option<LoginUser>, DbError> {
    users::table
        .inner_join(roles::table)
        .filter(users::username_key.eq(username_key))
        .select((UserRow::as_select(), roles::permissions))
        .first::<(UserRow, String)>(c)
        .optional()?
        .map(|(row, permissions)| row.into_login(Permissions::from_stored(&permissions)))
        .transpose()
}

pub(crate) fn find_login_by_id(c: &mut Conn, id: UserId) -> Result<Option<LoginUser>, DbError> {
    users::table
        .inner_join(roles::table)
        .filter(users::id.eq(id.to_string()))
        .select((UserRow::as_select(), roles::permissions))
        .first::<(UserRow, String)>(c)
        .optional()?
        .map(|(row, permissions)| row.into_login(Permissions::from_stored(&permissions)))
        .transpose()
}

pub(crate) fn display_names(
    c: &mut Conn,
    ids: &[UserId],
) -> Result<Vec<(UserId, String)>, DbError> {
    let mut keys: Vec<String> = ids.iter().map(UserId::to_string).collect();
    keys.sort_unstable();
    keys.dedup();
    let mut found = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(INSERT_CHUNK) {
        let rows: Vec<(String, String)> = users::table
            .filter(users::id.eq_any(chunk))
            .order(users::id)
            .select((users::id, users::display_name))
            .load(c)?;
        for (id, name) in rows {
            found.push((typed::<UserId>(&id)?, name));
        }
    }
    Ok(found)
}

// --------------------------------------------------------------------------------- sessions

pub(crate) fn create_session(
    c: &mut Conn,
    session: &NewSession,
    forget_failures: &str,
    entry: &AuditEntry,
) -> Result<(), DbError> {
    let user_id = session.user_id.to_string();
    let created_at = to_db(session.created_at);
    // First, and on the user's row (which this locks until the commit): the user must still be
    // the one whose secret the login checked. A new password or a deactivation committed since
    // refuses the session; one committed after this waits for it, and then ends it.
    // `last_login_at` is no change of the user's own fields: version and updated_at stay, so an
    // admin's If-Match is not broken by the user logging in.
    let current = diesel::update(
        users::table
            .find(&user_id)
            .filter(users::version.eq(session.user_version))
            .filter(users::active.eq(true)),
    )
    .set(users::last_login_at.eq(Some(created_at)))
    .execute(c)?;
    if current == 0 {
        return Err(AppError::refused(
            ProblemCode::InvalidCredentials,
            // The answer of every failed login: it tells nothing of the user.
            "the username or the password is wrong",
        )
        .into());
    }
    diesel::insert_into(sessions::table)
        .values(LoginSessionRow {
            token_hash: session.token_hash.clone(),
            user_id,
            created_at,
            last_seen_at: created_at,
            expires_at: to_db(session.expires_at),
            address: session.address.clone(),
        })
        .execute(c)?;
    diesel::delete(failed_logins::table.filter(failed_logins::subject.eq(forget_failures)))
        .execute(c)?;
    audit(c, entry)
}

pub(crate) fn find_session(
    c: &mut Conn,
    token_hash: &str,
) -> Result<Option<SessionRecord>, DbError> {
    let found: Option<(LoginSessionRow, UserRow, String)> = sessions::table
        .inner_join(users::table.inner_join(roles::table))
        .filter(sessions::token_hash.eq(token_hash))
        .select((
            LoginSessionRow::as_select(),
            UserRow::as_select(),
            roles::permissions,
        ))
        .first(c)
        .optional()?;
    found
        .map(|(session, user, permissions)| {
            Ok(SessionRecord {
                user: user.into_user()?,
                permissions: Permissions::from_stored(&permissions),
                created_at: from_db(session.created_at),
                last_seen_at: from_db(session.last_seen_at),
                expires_at: from_db(session.expires_at),
            })
        })
        .transpose()
}

pub(crate) fn touch_session(
    c: &mut Conn,
    token_hash: &str,
    at: DateTime<Utc>,
) -> Result<(), DbError> {
    diesel::update(sessions::table.find(token_hash))
        .set(sessions::last_seen_at.eq(to_db(at)))
        .execute(c)?;
    Ok(())
}

pub(crate) fn end_session(
    c: &mut Conn,
    token_hash: &str,
    entry: &AuditEntry,
) -> Result<bool, DbError> {
    let deleted = diesel::delete(sessions::table.find(token_hash)).execute(c)?;
    if deleted == 0 {
        return Ok(false);
    }
    audit(c, entry)?;
    Ok(true)
}

pub(crate) fn purge_login_sessions(
    c: &mut Conn,
    now: DateTime<Utc>,
    idle_before: DateTime<Utc>,
) -> Result<u64, DbError> {
    let deleted = diesel::delete(
        sessions::table.filter(
            sessions::expires_at
                .le(to_db(now))
                .or(sessions::last_seen_at.lt(to_db(idle_before))),
        ),
    )
    .execute(c)?;
    Ok(deleted as u64)
}

pub(crate) fn count_failed_logins(
    c: &mut Conn,
    subject: &str,
    since: DateTime<Utc>,
) -> Result<(u32, Option<DateTime<Utc>>), DbError> {
    let (count, oldest): (i64, Option<chrono::NaiveDateTime>) = failed_logins::table
        .filter(failed_logins::subject.eq(subject))
        .filter(failed_logins::at.ge(to_db(since)))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::min(failed_logins::at),
        ))
        .first(c)?;
    let count = u32::try_from(count).map_err(DbError::corrupt)?;
    Ok((count, oldest.map(from_db)))
}

pub(crate) fn record_failed_login(
    c: &mut Conn,
    subjects: &[String],
    at: DateTime<Utc>,
    entry: &AuditEntry,
) -> Result<(), DbError> {
    for subject in subjects {
        diesel::insert_into(failed_logins::table)
            .values(NewFailedLoginRow {
                subject,
                at: to_db(at),
            })
            .execute(c)?;
    }
    audit(c, entry)
}

pub(crate) fn purge_failed_logins(c: &mut Conn, before: DateTime<Utc>) -> Result<u64, DbError> {
    let deleted = diesel::delete(failed_logins::table.filter(failed_logins::at.lt(to_db(before))))
        .execute(c)?;
    Ok(deleted as u64)
}

// -------------------------------------------------------------------------------- audit log

pub(crate) fn record_audit(c: &mut Conn, entry: &AuditEntry) -> Result<(), DbError> {
    audit(c, entry)
}

pub(crate) fn list_audit(
    c: &mut Conn,
    filter: &AuditFilter,
    page: &PageQuery<i64>,
) -> Result<Vec<AuditRecord>, DbError> {
    let mut query = audit_log::table
        .select(AuditRow::as_select())
        .order(audit_log::seq.desc())
        .into_boxed();
    if let Some(event) = &filter.event {
        query = query.filter(audit_log::event.eq(event.clone()));
    }
    if let Some(actor) = &filter.actor {
        query = query.filter(audit_log::actor.eq(actor.clone()));
    }
    if let Some(subject) = &filter.subject {
        query = query.filter(audit_log::subject.eq(subject.clone()));
    }
    if let Some(after) = page.after {
        query = query.filter(audit_log::seq.lt(after));
    }
    Ok(query
        .limit(i64::from(page.limit))
        .load(c)?
        .into_iter()
        .map(AuditRow::into_domain)
        .collect())
}

// ----------------------------------------------------------------------------------- api keys

fn insert_key(c: &mut Conn, key: &NewApiKey, entry: &AuditEntry) -> Result<ApiKey, DbError> {
    // FOR SHARE: no foreign key keeps the role from being deleted before this key commits.
    let role = c
        .lock_role(&key.role, RoleLock::Share)?
        .ok_or_else(|| missing_role(&key.role))?;
    let id = new_id(c, "apikey", |n| Ok(n as i64))?;
    let row = ApiKeyRow {
        id,
        key_id: key.key_id.clone(),
        secret_hash: key.secret_hash.clone(),
        name: key.name.clone(),
        role: key.role.clone(),
        created_at: to_db(key.created_at),
        expires_at: key.expires_at.map(to_db),
        revoked_at: None,
        last_used_at: None,
    };
    diesel::insert_into(api_keys::table)
        .values(&row)
        .execute(c)?;
    audit(c, entry)?;
    Ok(row.into_domain(Some(role.permissions)).0)
}

pub(crate) fn insert_api_key(
    c: &mut Conn,
    key: &NewApiKey,
    entry: &AuditEntry,
) -> Result<ApiKey, DbError> {
    insert_key(c, key, entry)
}

pub(crate) fn insert_first_api_key(
    c: &mut Conn,
    key: &NewApiKey,
    entry: &AuditEntry,
) -> Result<Option<ApiKey>, DbError> {
    c.lock_api_keys()?;
    let existing: i64 = api_keys::table.count().get_result(c)?;
    if existing > 0 {
        return Ok(None);
    }
    insert_key(c, key, entry).map(Some)
}

/// A key with its role's stored permissions (no foreign key: a key whose role is not stored
/// reads with none) and the hash of its secret.
fn load_key(c: &mut Conn, id: i64) -> Result<Option<(ApiKey, String)>, DbError> {
    Ok(api_keys::table
        .left_join(roles::table)
        .filter(api_keys::id.eq(id))
        .select((ApiKeyRow::as_select(), roles::permissions.nullable()))
        .first::<(ApiKeyRow, Option<String>)>(c)
        .optional()?
        .map(|(row, permissions)| row.into_domain(permissions)))
}

pub(crate) fn find_api_key(
    c: &mut Conn,
    key_id: &str,
) -> Result<Option<(ApiKey, String)>, DbError> {
    Ok(api_keys::table
        .left_join(roles::table)
        .filter(api_keys::key_id.eq(key_id))
        .select((ApiKeyRow::as_select(), roles::permissions.nullable()))
        .first::<(ApiKeyRow, Option<String>)>(c)
        .optional()?
        .map(|(row, permissions)| row.into_domain(permissions)))
}

pub(crate) fn list_api_keys(c: &mut Conn) -> Result<Vec<ApiKey>, DbError> {
    Ok(api_keys::table
        .left_join(roles::table)
        .order(api_keys::id)
        .select((ApiKeyRow::as_select(), roles::permissions.nullable()))
        .load::<(ApiKeyRow, Option<String>)>(c)?
        .into_iter()
        .map(|(row, permissions)| row.into_domain(permissions).0)
        .collect())
}

/// Revokes a key, unless it is the last active key of the admin role: with none left, every
/// request would be 401 until someone runs the CLI on the server. The audit entry is written
/// when the key was revoked now (not when it already was).
pub(crate) fn revoke_api_key(
    c: &mut Conn,
    id: i64,
    at: DateTime<Utc>,
    entry: &AuditEntry,
) -> Result<ApiKey, DbError> {
    let role: String = api_keys::table
        .find(id)
        .select(api_keys::role)
        .first(c)
        .optional()?
        .ok_or_else(|| AppError::not_found("api key", id))?;
    // The role of a key never changes; whether it is active is decided on the locked rows.
    if role == ADMIN_KEY_ROLE {
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
    let revoked = diesel::update(
        api_keys::table
            .find(id)
            .filter(api_keys::revoked_at.is_null()),
    )
    .set(api_keys::revoked_at.eq(to_db(at)))
    .execute(c)?;
    if revoked == 1 {
        audit(c, entry)?;
    }
    load_key(c, id)?
        .map(|(key, _)| key)
        .ok_or_else(|| AppError::not_found("api key", id).into())
}

pub(crate) fn touch_api_key(c: &mut Conn, id: i64, at: DateTime<Utc>) -> Result<(), DbError> {
    diesel::update(api_keys::table.find(id))
        .set(api_keys::last_used_at.eq(to_db(at)))
        .execute(c)?;
    Ok(())
}
