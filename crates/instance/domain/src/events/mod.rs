//! The events wing: the ledger read as a stream of changes, and which of its rows a reader of
//! the stream wants.

use crate::id::IdKind;
use crate::movement::ledger::{ChangeKind, LedgerEntry};

/// The kinds of object the ledger records changes of, in the order the API lists them.
pub const EVENT_OBJECT_KINDS: [IdKind; 4] =
    [IdKind::Place, IdKind::Box, IdKind::Item, IdKind::Order];

/// Which ledger rows a reader of the stream wants: those of the object kinds named (every
/// kind when none is named) and of the changes named (every change when none is named).
/// Kept sorted and without repeats, so that two filters naming the same rows are equal.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventFilter {
    objects: Vec<IdKind>,
    changes: Vec<ChangeKind>,
}

/// A filter naming an object kind the ledger never records (a user, a label).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the ledger records no changes of a {0}")]
pub struct NotAnEventKind(pub IdKind);

impl EventFilter {
    /// Every row of the ledger.
    pub fn all() -> Self {
        Self::default()
    }

    pub fn new(objects: Vec<IdKind>, changes: Vec<ChangeKind>) -> Result<Self, NotAnEventKind> {
        if let Some(kind) = objects.iter().find(|k| !EVENT_OBJECT_KINDS.contains(k)) {
            return Err(NotAnEventKind(*kind));
        }
        let mut objects = objects;
        objects.sort_unstable();
        objects.dedup();
        let mut changes = changes;
        changes.sort_unstable_by_key(|c| c.as_str());
        changes.dedup();
        Ok(Self { objects, changes })
    }

    /// The object kinds named; empty: every kind.
    pub fn objects(&self) -> &[IdKind] {
        &self.objects
    }

    /// The changes named; empty: every change.
    pub fn changes(&self) -> &[ChangeKind] {
        &self.changes
    }

    /// Whether the filter lets every row through.
    pub fn is_all(&self) -> bool {
        self.objects.is_empty() && self.changes.is_empty()
    }

    /// Whether a reader with this filter wants the row.
    pub fn matches(&self, entry: &LedgerEntry) -> bool {
        (self.objects.is_empty() || self.objects.contains(&entry.object.kind()))
            && (self.changes.is_empty() || self.changes.contains(&entry.kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::ObjectId;
    use chrono::Utc;
    use serde_json::Value;

    fn entry(kind: IdKind, change: ChangeKind) -> LedgerEntry {
        LedgerEntry {
            seq: 1,
            at: Utc::now(),
            object: ObjectId::new(kind, 1).unwrap(),
            kind: change,
            from: None,
            to: None,
            actor: "console".into(),
            reason: None,
            request_id: None,
            scan_id: None,
            data: Value::Null,
        }
    }

    #[test]
    fn an_empty_filter_lets_every_row_through() {
        let all = EventFilter::all();
        assert!(all.is_all());
        for kind in EVENT_OBJECT_KINDS {
            assert!(all.matches(&entry(kind, ChangeKind::Moved)));
        }
    }

    #[test]
    fn a_filter_names_object_kinds_and_changes() {
        let filter =
            EventFilter::new(vec![IdKind::Item, IdKind::Box], vec![ChangeKind::Moved]).unwrap();
        assert!(filter.matches(&entry(IdKind::Item, ChangeKind::Moved)));
        assert!(filter.matches(&entry(IdKind::Box, ChangeKind::Moved)));
        assert!(!filter.matches(&entry(IdKind::Place, ChangeKind::Moved)));
        assert!(!filter.matches(&entry(IdKind::Item, ChangeKind::Created)));
    }

    #[test]
    fn filters_naming_the_same_rows_are_equal() {
        let a = EventFilter::new(
            vec![IdKind::Order, IdKind::Item, IdKind::Order],
            vec![ChangeKind::Updated, ChangeKind::Created],
        )
        .unwrap();
        let b = EventFilter::new(
            vec![IdKind::Item, IdKind::Order],
            vec![
                ChangeKind::Created,
                ChangeKind::Updated,
                ChangeKind::Created,
            ],
        )
        .unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn users_and_labels_are_not_event_kinds() {
        assert_eq!(
            EventFilter::new(vec![IdKind::User], vec![]),
            Err(NotAnEventKind(IdKind::User))
        );
        assert!(EventFilter::new(vec![IdKind::Label], vec![]).is_err());
    }
}
