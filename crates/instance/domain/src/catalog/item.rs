//! Items: the things a warehouse keeps (devices under repair, stock), with their barcodes,
//! attributes and recorded repair actions.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::catalog::Parent;
use crate::error::FieldError;
use crate::id::ItemId;
use crate::meta::Meta;
use crate::text::{Code, Name, Note};

/// Free attributes of an item: a JSON object of bounded size.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Attributes(Map<String, Value>);

pub const MAX_ATTRIBUTES_BYTES: usize = 16 * 1024;

impl Attributes {
    pub fn new(field: &str, value: Value) -> Result<Self, FieldError> {
        let Value::Object(map) = value else {
            return Err(FieldError::new(field, "must be a JSON object"));
        };
        if map.len() > 100 {
            return Err(FieldError::new(field, "must have at most 100 keys"));
        }
        if let Some(key) = map.keys().find(|k| k.is_empty() || k.chars().count() > 100) {
            return Err(FieldError::new(
                field,
                format!("key {key:?} must have 1 to 100 characters"),
            ));
        }
        if Value::Object(map.clone()).to_string().len() > MAX_ATTRIBUTES_BYTES {
            return Err(FieldError::new(
                field,
                format!("must serialize to at most {MAX_ATTRIBUTES_BYTES} bytes"),
            ));
        }
        Ok(Self(map))
    }

    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }
}

/// Extra barcodes of an item or a box: unique, ordered as given.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Barcodes(Vec<Code>);

pub const MAX_BARCODES: usize = 50;

impl Barcodes {
    pub fn new(field: &str, values: Vec<String>) -> Result<Self, FieldError> {
        if values.len() > MAX_BARCODES {
            return Err(FieldError::new(
                field,
                format!("must have at most {MAX_BARCODES} entries"),
            ));
        }
        let mut seen = BTreeSet::new();
        let mut codes = Vec::with_capacity(values.len());
        for (i, value) in values.into_iter().enumerate() {
            let code = Code::new(&format!("{field}[{i}]"), value)?;
            if !seen.insert(code.clone()) {
                return Err(FieldError::new(format!("{field}[{i}]"), "is a duplicate"));
            }
            codes.push(code);
        }
        Ok(Self(codes))
    }

    /// Barcodes read back from storage: each under the rules it was written with
    /// ([`Code::from_stored`]), no duplicate check (they were checked when written).
    pub fn from_stored(field: &str, values: Vec<String>) -> Result<Self, FieldError> {
        values
            .into_iter()
            .enumerate()
            .map(|(i, value)| Code::from_stored(&format!("{field}[{i}]"), value))
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    pub fn as_slice(&self) -> &[Code] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, code: &str) -> bool {
        self.0.iter().any(|c| c.as_str() == code)
    }

    /// These barcodes and one more at the end; refused when that would exceed the limit.
    /// Adding one already present changes nothing.
    pub fn with(&self, field: &str, code: Code) -> Result<Self, FieldError> {
        if self.0.contains(&code) {
            return Ok(self.clone());
        }
        if self.0.len() >= MAX_BARCODES {
            return Err(FieldError::new(
                field,
                format!("must have at most {MAX_BARCODES} entries"),
            ));
        }
        let mut codes = self.0.clone();
        codes.push(code);
        Ok(Self(codes))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Item {
    pub id: ItemId,
    pub serial: Option<Code>,
    pub class_code: Option<Code>,
    pub name: Option<Name>,
    pub condition: Option<Code>,
    pub attributes: Attributes,
    pub barcodes: Barcodes,
    pub parent: Option<Parent>,
    #[serde(skip)]
    pub meta: Meta,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewItem {
    pub serial: Option<Code>,
    pub class_code: Option<Code>,
    pub name: Option<Name>,
    pub condition: Option<Code>,
    pub attributes: Attributes,
    pub barcodes: Barcodes,
    pub parent: Option<Parent>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ItemPatch {
    pub serial: Option<Option<Code>>,
    pub class_code: Option<Option<Code>>,
    pub name: Option<Option<Name>>,
    pub condition: Option<Option<Code>>,
    pub attributes: Option<Attributes>,
    pub barcodes: Option<Barcodes>,
}

impl Item {
    pub fn apply(&mut self, patch: ItemPatch) {
        if let Some(v) = patch.serial {
            self.serial = v;
        }
        if let Some(v) = patch.class_code {
            self.class_code = v;
        }
        if let Some(v) = patch.name {
            self.name = v;
        }
        if let Some(v) = patch.condition {
            self.condition = v;
        }
        if let Some(v) = patch.attributes {
            self.attributes = v;
        }
        if let Some(v) = patch.barcodes {
            self.barcodes = v;
        }
    }
}

/// Repair work recorded on an item (reference section 7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Check,
    Cause,
    Result,
    Note,
}

impl ActionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Check => "check",
            ActionKind::Cause => "cause",
            ActionKind::Result => "result",
            ActionKind::Note => "note",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "check" => Some(ActionKind::Check),
            "cause" => Some(ActionKind::Cause),
            "result" => Some(ActionKind::Result),
            "note" => Some(ActionKind::Note),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ItemAction {
    pub kind: ActionKind,
    pub message: Note,
    pub at: DateTime<Utc>,
    pub actor: String,
    /// A `result`'s outcome, parts and warranty (results recorded before outcomes existed
    /// have none; other kinds never do).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<crate::repair::RepairResult>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn barcodes_and_attributes_are_bounded() {
        assert!(Barcodes::new("barcodes", vec!["A".into(), "A".into()]).is_err());
        assert!(Barcodes::new("barcodes", vec!["".into()]).is_err());
        assert!(Barcodes::new("barcodes", (0..51).map(|i| i.to_string()).collect()).is_err());
        assert!(Attributes::new("attributes", serde_json::json!([1])).is_err());
        assert!(
            Attributes::new("attributes", serde_json::json!({"a": "x".repeat(20000)})).is_err()
        );
        assert!(Attributes::new("attributes", serde_json::json!({"colour": "red"})).is_ok());
    }
}
