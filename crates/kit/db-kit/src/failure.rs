//! What a failed statement means for its caller, read from diesel's error the same way in both
//! services: each adapter then says it in its own words (its `AppError`s).

use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// The kinds of database failure a caller acts on differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Another transaction was in the way: a serialization failure, a deadlock, or a SQLite
    /// file or table locked longer than the busy timeout. Running the transaction again may
    /// succeed.
    Contention,
    /// A wait ran out: PostgreSQL's `lock_timeout` or `statement_timeout`, or a statement
    /// cancelled.
    TimedOut,
    /// The server closed the connection.
    ConnectionClosed,
    /// A unique key holds the value already.
    Duplicate,
    /// A foreign key names a row that does not exist (or still has rows naming it).
    MissingReference,
    /// Anything else: a fault of the service, not of the request.
    Other,
}

/// The kind of `e`.
pub fn classify(e: &DieselError) -> Failure {
    let DieselError::DatabaseError(kind, info) = e else {
        return Failure::Other;
    };
    match kind {
        DatabaseErrorKind::UniqueViolation => return Failure::Duplicate,
        DatabaseErrorKind::ForeignKeyViolation => return Failure::MissingReference,
        DatabaseErrorKind::ClosedConnection => return Failure::ConnectionClosed,
        DatabaseErrorKind::SerializationFailure => return Failure::Contention,
        _ => {}
    }
    let message = info.message();
    if message.contains("deadlock detected")
        || message.contains("database is locked")
        || message.contains("database table is locked")
    {
        Failure::Contention
    } else if message.contains("lock timeout")
        || message.contains("statement timeout")
        || message.contains("canceling statement due to")
    {
        Failure::TimedOut
    } else {
        Failure::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database_error(kind: DatabaseErrorKind, message: &str) -> DieselError {
        DieselError::DatabaseError(kind, Box::new(message.to_owned()))
    }

    #[test]
    fn failures_are_told_apart_by_kind_and_message() {
        use DatabaseErrorKind as K;
        for (error, failure) in [
            (
                database_error(K::UniqueViolation, "duplicate key"),
                Failure::Duplicate,
            ),
            (
                database_error(K::ForeignKeyViolation, "violates"),
                Failure::MissingReference,
            ),
            (
                database_error(K::ClosedConnection, "server closed"),
                Failure::ConnectionClosed,
            ),
            (
                database_error(K::SerializationFailure, "could not serialize"),
                Failure::Contention,
            ),
            (
                database_error(K::Unknown, "deadlock detected"),
                Failure::Contention,
            ),
            (
                database_error(K::Unknown, "database is locked"),
                Failure::Contention,
            ),
            (
                database_error(K::Unknown, "database table is locked"),
                Failure::Contention,
            ),
            (
                database_error(K::Unknown, "canceling statement due to lock timeout"),
                Failure::TimedOut,
            ),
            (
                database_error(K::Unknown, "canceling statement due to statement timeout"),
                Failure::TimedOut,
            ),
            (database_error(K::Unknown, "syntax error"), Failure::Other),
            (DieselError::NotFound, Failure::Other),
        ] {
            assert_eq!(classify(&error), failure, "{error}");
        }
    }
}
