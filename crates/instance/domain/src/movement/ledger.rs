//! The append-only ledger of changes, and its replay into current state.
//!
//! Every change to an item, box, place or order is one ledger entry. An object's state is the
//! JSON object its entity serializes to (see [`state_of`]); replaying the ledger in sequence order
//! must give exactly the stored state of every object, which `eckwms verify` checks.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::id::ObjectId;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// `data` is the full initial state.
    Created,
    /// `data` holds the changed fields with their new values.
    Updated,
    /// `from`/`to` are the old and new parent.
    Moved,
    /// `data` is the action (items only).
    Action,
    /// A box linked to the order in `to`.
    Linked,
    /// A box unlinked from the order in `from`.
    Unlinked,
    /// `data` is the final state.
    Deleted,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Created => "created",
            ChangeKind::Updated => "updated",
            ChangeKind::Moved => "moved",
            ChangeKind::Action => "action",
            ChangeKind::Linked => "linked",
            ChangeKind::Unlinked => "unlinked",
            ChangeKind::Deleted => "deleted",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            ChangeKind::Created,
            ChangeKind::Updated,
            ChangeKind::Moved,
            ChangeKind::Action,
            ChangeKind::Linked,
            ChangeKind::Unlinked,
            ChangeKind::Deleted,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

/// A change about to be appended; the store adds sequence number, time, actor and request id.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub object: ObjectId,
    pub kind: ChangeKind,
    pub from: Option<ObjectId>,
    pub to: Option<ObjectId>,
    pub data: Value,
}

impl Change {
    pub fn created(object: ObjectId, state: State) -> Self {
        Self {
            object,
            kind: ChangeKind::Created,
            from: None,
            to: None,
            data: Value::Object(state),
        }
    }

    /// Names the container an object was created in, so that the container's history shows it.
    pub fn within(mut self, container: Option<ObjectId>) -> Self {
        self.to = container;
        self
    }

    pub fn updated(object: ObjectId, changes: State) -> Self {
        Self {
            object,
            kind: ChangeKind::Updated,
            from: None,
            to: None,
            data: Value::Object(changes),
        }
    }

    /// `from` is the container the object was in, so that the container's history shows it.
    pub fn deleted(object: ObjectId, state: State, from: Option<ObjectId>) -> Self {
        Self {
            object,
            kind: ChangeKind::Deleted,
            from,
            to: None,
            data: Value::Object(state),
        }
    }

    pub fn moved(object: ObjectId, from: Option<ObjectId>, to: ObjectId) -> Self {
        Self {
            object,
            kind: ChangeKind::Moved,
            from,
            to: Some(to),
            data: Value::Null,
        }
    }

    /// Objects whose history shows this change: the object itself and both ends.
    pub fn subjects(&self) -> Vec<ObjectId> {
        let mut ids = vec![self.object];
        ids.extend(self.from.iter().chain(self.to.iter()).copied());
        ids.sort();
        ids.dedup();
        ids
    }
}

/// One stored ledger row.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LedgerEntry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub object: ObjectId,
    pub kind: ChangeKind,
    pub from: Option<ObjectId>,
    pub to: Option<ObjectId>,
    pub actor: String,
    pub reason: Option<String>,
    pub request_id: Option<String>,
    /// The scan that caused this change, when a scan did.
    pub scan_id: Option<i64>,
    pub data: Value,
}

/// The replayable state of one object.
pub type State = Map<String, Value>;

/// The state of an entity: its serialized fields.
pub fn state_of<T: Serialize>(entity: &T) -> State {
    match serde_json::to_value(entity) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// Fields whose values differ between two states (a field missing in `after` becomes null).
pub fn diff(before: &State, after: &State) -> State {
    let mut changes = Map::new();
    for (key, value) in after {
        if before.get(key) != Some(value) {
            changes.insert(key.clone(), value.clone());
        }
    }
    for key in before.keys() {
        if !after.contains_key(key) {
            changes.insert(key.clone(), Value::Null);
        }
    }
    changes
}

fn without_nulls(state: &State) -> State {
    state
        .iter()
        .filter(|(_, value)| !value.is_null())
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect()
}

/// Replays ledger entries, in sequence order, into the state of every live object.
#[derive(Debug, Default)]
pub struct Replay {
    objects: BTreeMap<ObjectId, State>,
    anomalies: Vec<String>,
    last_seq: i64,
    entries: u64,
}

impl Replay {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn apply(&mut self, entry: &LedgerEntry) {
        self.entries += 1;
        if entry.seq <= self.last_seq {
            self.anomalies.push(format!(
                "ledger #{} follows #{}: sequence not increasing",
                entry.seq, self.last_seq
            ));
        }
        self.last_seq = entry.seq;
        let id = entry.object;
        if entry.kind == ChangeKind::Created {
            let Value::Object(state) = &entry.data else {
                self.anomalies.push(format!(
                    "ledger #{}: creation of {id} without state",
                    entry.seq
                ));
                return;
            };
            if self.objects.insert(id, state.clone()).is_some() {
                self.anomalies
                    .push(format!("ledger #{}: {id} created twice", entry.seq));
            }
            return;
        }
        let Some(state) = self.objects.get_mut(&id) else {
            self.anomalies.push(format!(
                "ledger #{}: {} of {id}, which does not exist",
                entry.seq,
                entry.kind.as_str()
            ));
            return;
        };
        let id_value =
            |id: Option<ObjectId>| id.map_or(Value::Null, |id| Value::String(id.to_string()));
        match entry.kind {
            ChangeKind::Created => {}
            ChangeKind::Updated => {
                if let Value::Object(changes) = &entry.data {
                    for (key, value) in changes {
                        state.insert(key.clone(), value.clone());
                    }
                }
            }
            ChangeKind::Moved => {
                let current = state.get("parent").cloned().unwrap_or(Value::Null);
                if current != id_value(entry.from) {
                    self.anomalies.push(format!(
                        "ledger #{}: {id} moved from {} but was at {current}",
                        entry.seq,
                        id_value(entry.from)
                    ));
                }
                state.insert("parent".into(), id_value(entry.to));
            }
            ChangeKind::Linked => {
                state.insert("order".into(), id_value(entry.to));
            }
            ChangeKind::Unlinked => {
                state.insert("order".into(), Value::Null);
            }
            ChangeKind::Action => {
                let actions = state
                    .entry("actions")
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(list) = actions {
                    list.push(entry.data.clone());
                }
            }
            ChangeKind::Deleted => {
                self.objects.remove(&id);
            }
        }
    }

    pub fn entries(&self) -> u64 {
        self.entries
    }

    /// Compares the replayed state with the stored one; returns every difference found. A
    /// field that is null and a field that is absent mean the same (a field added to an
    /// entity later is absent from the states recorded before it, and a field left out while
    /// empty is null once cleared by an update).
    pub fn compare(mut self, stored: &BTreeMap<ObjectId, State>) -> Vec<String> {
        let mut problems = std::mem::take(&mut self.anomalies);
        for (id, state) in stored {
            match self.objects.get(id) {
                None => problems.push(format!("{id} is stored but the ledger does not create it")),
                Some(replayed) if without_nulls(replayed) != without_nulls(state) => {
                    let changes = diff(&without_nulls(replayed), &without_nulls(state));
                    problems.push(format!(
                        "{id} differs from its replay in {}",
                        changes.keys().cloned().collect::<Vec<_>>().join(", ")
                    ));
                }
                Some(_) => {}
            }
        }
        for id in self.objects.keys() {
            if !stored.contains_key(id) {
                problems.push(format!(
                    "{id} exists in the ledger replay but is not stored"
                ));
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn entry(
        seq: i64,
        object: &str,
        kind: ChangeKind,
        from: Option<&str>,
        to: Option<&str>,
        data: Value,
    ) -> LedgerEntry {
        LedgerEntry {
            seq,
            at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            object: ObjectId::parse(object).unwrap(),
            kind,
            from: from.map(|s| ObjectId::parse(s).unwrap()),
            to: to.map(|s| ObjectId::parse(s).unwrap()),
            actor: "test".into(),
            reason: None,
            request_id: None,
            scan_id: None,
            data,
        }
    }

    const ITEM: &str = "i000000000000000001";
    const BOX: &str = "b000000000000000001";
    const PLACE: &str = "p000000000000000001";

    #[test]
    fn replay_follows_moves_updates_and_deletes() {
        let mut replay = Replay::new();
        replay.apply(&entry(
            1,
            ITEM,
            ChangeKind::Created,
            None,
            None,
            json!({"id": ITEM, "name": "a", "parent": null}),
        ));
        replay.apply(&entry(
            2,
            BOX,
            ChangeKind::Created,
            None,
            None,
            json!({"id": BOX, "parent": null, "order": null}),
        ));
        replay.apply(&entry(
            3,
            ITEM,
            ChangeKind::Moved,
            None,
            Some(BOX),
            Value::Null,
        ));
        replay.apply(&entry(
            4,
            ITEM,
            ChangeKind::Updated,
            None,
            None,
            json!({"name": "b"}),
        ));
        replay.apply(&entry(
            5,
            BOX,
            ChangeKind::Moved,
            None,
            Some(PLACE),
            Value::Null,
        ));
        replay.apply(&entry(
            6,
            ITEM,
            ChangeKind::Action,
            None,
            None,
            json!({"kind": "note"}),
        ));
        let mut stored = BTreeMap::new();
        stored.insert(
            ObjectId::parse(ITEM).unwrap(),
            state_of(
                &json!({"id": ITEM, "name": "b", "parent": BOX, "actions": [{"kind": "note"}]}),
            ),
        );
        stored.insert(
            ObjectId::parse(BOX).unwrap(),
            state_of(&json!({"id": BOX, "parent": PLACE, "order": null})),
        );
        assert_eq!(replay.compare(&stored), Vec::<String>::new());
    }

    #[test]
    fn replay_reports_every_disagreement() {
        let mut replay = Replay::new();
        replay.apply(&entry(
            1,
            ITEM,
            ChangeKind::Created,
            None,
            None,
            json!({"parent": null}),
        ));
        replay.apply(&entry(
            2,
            ITEM,
            ChangeKind::Moved,
            Some(PLACE),
            Some(BOX),
            Value::Null,
        ));
        replay.apply(&entry(
            2,
            BOX,
            ChangeKind::Moved,
            None,
            Some(PLACE),
            Value::Null,
        ));
        let mut stored = BTreeMap::new();
        stored.insert(
            ObjectId::parse(ITEM).unwrap(),
            state_of(&json!({"parent": PLACE})),
        );
        stored.insert(ObjectId::parse(PLACE).unwrap(), state_of(&json!({})));
        let problems = replay.compare(&stored);
        assert_eq!(problems.len(), 5, "{problems:#?}");
    }

    #[test]
    fn diff_lists_changed_and_removed_fields() {
        let before = state_of(&json!({"a": 1, "b": 2, "c": 3}));
        let after = state_of(&json!({"a": 1, "b": 5}));
        assert_eq!(
            Value::Object(diff(&before, &after)),
            json!({"b": 5, "c": null})
        );
    }

    #[test]
    fn a_null_field_and_an_absent_field_compare_equal() {
        const BOX: &str = "b000000000000000001";
        let mut replay = Replay::new();
        // Created before boxes had barcodes; barcodes set, then cleared (diff gives null).
        replay.apply(&entry(
            1,
            BOX,
            ChangeKind::Created,
            None,
            None,
            json!({"name": null}),
        ));
        replay.apply(&entry(
            2,
            BOX,
            ChangeKind::Updated,
            None,
            None,
            json!({"barcodes": ["X"]}),
        ));
        replay.apply(&entry(
            3,
            BOX,
            ChangeKind::Updated,
            None,
            None,
            json!({"barcodes": null}),
        ));
        let mut stored = BTreeMap::new();
        stored.insert(ObjectId::parse(BOX).unwrap(), state_of(&json!({})));
        assert_eq!(replay.compare(&stored), Vec::<String>::new());

        let mut replay = Replay::new();
        replay.apply(&entry(
            1,
            BOX,
            ChangeKind::Created,
            None,
            None,
            json!({"name": "A"}),
        ));
        assert_eq!(replay.compare(&stored).len(), 1);
    }
}
