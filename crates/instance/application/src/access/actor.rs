//! Who acts, and what a use case requires of them.
//!
//! Every use case is asked by an [`Actor`] and says what it requires ([`Need`]); it refuses
//! an actor who falls short with 403 `forbidden`, whichever adapter asked (the JSON API, a web
//! page, a scanner route). Today the actors are API keys, whose scope grants up to its level,
//! and the operator at the server's command line; users and devices come next.

use std::fmt;

use crate::error::{AppError, AppResult, ProblemCode};
use crate::ports::Scope;

/// What a use case requires: reading, changing things, or administering the instance (its
/// API keys, the pairing of scanners). Each level includes the ones below.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Need {
    Read,
    Write,
    Admin,
}

impl Need {
    pub fn as_str(self) -> &'static str {
        match self {
            Need::Read => "read",
            Need::Write => "write",
            Need::Admin => "admin",
        }
    }

    /// The need an API key's scope meets at most.
    fn of_scope(scope: Scope) -> Self {
        match scope {
            Scope::Read => Need::Read,
            Scope::Write => Need::Write,
            Scope::Admin => Need::Admin,
        }
    }
}

/// Who acts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    /// A caller holding an API key (`eck_<key id>_<secret>`), with the key's record id, name
    /// and scope.
    ApiKey { id: i64, name: String, scope: Scope },
    /// The operator at the server's command line (`eckwms apikey ...`), who may do everything
    /// the command line offers.
    Console,
}

impl Actor {
    /// The actor as the ledger records it: `apikey:<id>`, or `console`.
    pub fn ledger_name(&self) -> String {
        self.to_string()
    }

    /// The actor as the ledger records it for something done through a scanner: the API key
    /// with the device it named, `apikey:2/device:PDA-7`.
    pub fn ledger_name_on(&self, device: Option<&str>) -> String {
        match device {
            Some(device) => format!("{self}/device:{device}"),
            None => self.to_string(),
        }
    }

    /// Whether the actor meets `need`.
    pub fn may(&self, need: Need) -> bool {
        match self {
            Actor::ApiKey { scope, .. } => Need::of_scope(*scope) >= need,
            Actor::Console => true,
        }
    }

    /// Refuses with 403 `forbidden` when the actor does not meet `need`.
    pub fn require(&self, need: Need) -> AppResult<()> {
        if self.may(need) {
            return Ok(());
        }
        Err(AppError::refused(
            ProblemCode::Forbidden,
            match self {
                Actor::ApiKey { scope, .. } => format!(
                    "this key has scope {}; {} is required",
                    scope.as_str(),
                    need.as_str()
                ),
                Actor::Console => format!("{} is required", need.as_str()),
            },
        ))
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::ApiKey { id, .. } => write!(f, "apikey:{id}"),
            Actor::Console => f.write_str("console"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(scope: Scope) -> Actor {
        Actor::ApiKey {
            id: 2,
            name: "k".into(),
            scope,
        }
    }

    #[test]
    fn a_key_meets_the_needs_up_to_its_scope() {
        for (scope, met) in [
            (Scope::Read, [true, false, false]),
            (Scope::Write, [true, true, false]),
            (Scope::Admin, [true, true, true]),
        ] {
            let actor = key(scope);
            for (need, met) in [Need::Read, Need::Write, Need::Admin].into_iter().zip(met) {
                assert_eq!(actor.may(need), met, "{scope:?} {need:?}");
                assert_eq!(actor.require(need).is_ok(), met, "{scope:?} {need:?}");
            }
        }
        assert!(Actor::Console.may(Need::Admin));
    }

    #[test]
    fn a_refusal_names_the_scope_and_the_need() {
        match key(Scope::Read).require(Need::Write) {
            Err(AppError::Refused { code, message }) => {
                assert_eq!(code, ProblemCode::Forbidden);
                assert_eq!(message, "this key has scope read; write is required");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_ledger_names_the_key_and_the_device() {
        assert_eq!(key(Scope::Write).ledger_name(), "apikey:2");
        assert_eq!(
            key(Scope::Write).ledger_name_on(Some("PDA-7")),
            "apikey:2/device:PDA-7"
        );
        assert_eq!(key(Scope::Write).ledger_name_on(None), "apikey:2");
        assert_eq!(Actor::Console.ledger_name(), "console");
    }
}
