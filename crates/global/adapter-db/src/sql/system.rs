//! The service itself: its identity (the key pair it signs with) and the health check's query.
//! Mounted twice, as a module of `sqlite` and of `pg` (see `sqlite.rs`).

use super::*;

/// The stored identity, or `candidate` stored as it when there is none yet.
pub(crate) fn identity_or_insert(
    c: &mut Conn,
    candidate: &GlobalIdentity,
    at: DateTime<Utc>,
) -> Result<GlobalIdentity, DbError> {
    let seed = hex::encode(candidate.seed());
    let public_key = candidate.public_key_hex();
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
    let stored = global_identity::table
        .find(1)
        .select(global_identity::secret_seed)
        .first::<String>(c)?;
    let seed: [u8; 32] = hex::decode(stored)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| DbError::corrupt("global_identity.secret_seed"))?;
    Ok(GlobalIdentity::from_seed(&seed))
}

pub(crate) fn ping(c: &mut Conn) -> Result<(), DbError> {
    diesel::sql_query("SELECT 1").execute(c)?;
    Ok(())
}
