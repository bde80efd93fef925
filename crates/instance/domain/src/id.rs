//! Typed object identifiers of the reference (section 1): one type letter and 18 decimal digits.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Number of decimal digits after the type letter.
pub const ID_DIGITS: usize = 18;
/// Total length of a textual id.
pub const ID_LEN: usize = ID_DIGITS + 1;
/// Largest number an id can carry (18 nines).
pub const MAX_ID_NUMBER: u64 = 999_999_999_999_999_999;
/// Numbers from here on stand for codes mapped to ids (manufacturer serials `i7…`, RMA orders
/// `o8…`); the id counters never reach them.
pub const MAPPED_ID_BASE: u64 = 700_000_000_000_000_000;

/// The kind of object an id names, given by its first letter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    Item,
    Box,
    Place,
    Order,
    User,
    Label,
}

impl IdKind {
    pub const ALL: [IdKind; 6] = [
        IdKind::Item,
        IdKind::Box,
        IdKind::Place,
        IdKind::Order,
        IdKind::User,
        IdKind::Label,
    ];

    pub fn letter(self) -> char {
        match self {
            IdKind::Item => 'i',
            IdKind::Box => 'b',
            IdKind::Place => 'p',
            IdKind::Order => 'o',
            IdKind::User => 'u',
            IdKind::Label => 'l',
        }
    }

    pub fn from_letter(letter: char) -> Option<IdKind> {
        IdKind::ALL.into_iter().find(|k| k.letter() == letter)
    }

    /// Stable lower-case name, used for counters, API paths and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            IdKind::Item => "item",
            IdKind::Box => "box",
            IdKind::Place => "place",
            IdKind::Order => "order",
            IdKind::User => "user",
            IdKind::Label => "label",
        }
    }
}

impl fmt::Display for IdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a text is not an id.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("an id has {ID_LEN} characters: a type letter and {ID_DIGITS} digits")]
    Length,
    #[error("unknown id type letter {0:?}")]
    UnknownKind(char),
    #[error("an id has {ID_DIGITS} decimal digits after its type letter")]
    Digits,
    #[error("expected an id of type {expected}, got one of type {found}")]
    WrongKind { expected: IdKind, found: IdKind },
}

/// Any typed id: kind plus number. Orders like its text (kind letter first, then the number).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ObjectId {
    kind: IdKind,
    number: u64,
}

impl ObjectId {
    pub fn new(kind: IdKind, number: u64) -> Result<Self, IdError> {
        if number > MAX_ID_NUMBER {
            return Err(IdError::Digits);
        }
        Ok(Self { kind, number })
    }

    pub fn kind(self) -> IdKind {
        self.kind
    }

    pub fn number(self) -> u64 {
        self.number
    }

    /// Parses the 19-character form, e.g. `b000000000000000042`.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let bytes = text.as_bytes();
        if bytes.len() != ID_LEN || !text.is_ascii() {
            return Err(IdError::Length);
        }
        let letter = char::from(bytes[0]);
        let kind = IdKind::from_letter(letter).ok_or(IdError::UnknownKind(letter))?;
        let digits = &bytes[1..];
        if !digits.iter().all(u8::is_ascii_digit) {
            return Err(IdError::Digits);
        }
        let number = digits
            .iter()
            .fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0'));
        Ok(Self { kind, number })
    }

    /// Parses and checks the kind.
    pub fn parse_kind(text: &str, expected: IdKind) -> Result<Self, IdError> {
        let id = Self::parse(text)?;
        if id.kind != expected {
            return Err(IdError::WrongKind {
                expected,
                found: id.kind,
            });
        }
        Ok(id)
    }
}

impl Ord for ObjectId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.kind.letter(), self.number).cmp(&(other.kind.letter(), other.number))
    }
}

impl PartialOrd for ObjectId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl ObjectId {
    /// The 19 bytes of the textual form. Ids are written on every query and answer: digit by
    /// digit here is several times cheaper than `write!` with zero padding.
    fn text_bytes(self) -> [u8; ID_LEN] {
        let mut text = [b'0'; ID_LEN];
        text[0] = self.kind.letter() as u8;
        let mut n = self.number;
        for slot in text[1..].iter_mut().rev() {
            *slot = b'0' + (n % 10) as u8;
            n /= 10;
        }
        text
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.text_bytes();
        // Only ASCII letters and digits were written.
        match std::str::from_utf8(&text) {
            Ok(s) => f.pad(s),
            Err(_) => Err(fmt::Error),
        }
    }
}

impl FromStr for ObjectId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for ObjectId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = self.text_bytes();
        // Only ASCII letters and digits were written.
        match std::str::from_utf8(&text) {
            Ok(s) => serializer.serialize_str(s),
            Err(e) => Err(serde::ser::Error::custom(e)),
        }
    }
}

impl<'de> Deserialize<'de> for ObjectId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(IdVisitor(ObjectId::parse))
    }
}

/// Reads an id from a string without copying it first (working sets hold hundreds of ids).
struct IdVisitor<T>(fn(&str) -> Result<T, IdError>);

impl<T> serde::de::Visitor<'_> for IdVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an id such as i000000000000000042")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<T, E> {
        (self.0)(text).map_err(E::custom)
    }
}

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident, $kind:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(u64);

        impl $name {
            pub const KIND: IdKind = $kind;

            pub fn new(number: u64) -> Result<Self, IdError> {
                ObjectId::new(Self::KIND, number).map(|id| Self(id.number()))
            }

            pub fn number(self) -> u64 {
                self.0
            }

            pub fn object_id(self) -> ObjectId {
                ObjectId { kind: Self::KIND, number: self.0 }
            }

            pub fn parse(text: &str) -> Result<Self, IdError> {
                ObjectId::parse_kind(text, Self::KIND).map(|id| Self(id.number()))
            }
        }

        impl TryFrom<ObjectId> for $name {
            type Error = IdError;
            fn try_from(id: ObjectId) -> Result<Self, IdError> {
                if id.kind() == Self::KIND {
                    Ok(Self(id.number()))
                } else {
                    Err(IdError::WrongKind { expected: Self::KIND, found: id.kind() })
                }
            }
        }

        impl From<$name> for ObjectId {
            fn from(id: $name) -> ObjectId {
                id.object_id()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.object_id().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                self.object_id().serialize(serializer)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_str(IdVisitor(Self::parse))
            }
        }
    };
}

typed_id!(
    /// One physical unit (a device, a part).
    ItemId,
    IdKind::Item
);
typed_id!(
    /// A container; may sit in another box or at a place.
    BoxId,
    IdKind::Box
);
typed_id!(
    /// A storage location; places never move.
    PlaceId,
    IdKind::Place
);
typed_id!(
    /// A customer order or RMA.
    OrderId,
    IdKind::Order
);
typed_id!(
    /// A person who logs in: a manager, a technician, a picker.
    UserId,
    IdKind::User
);

/// Warehouses and racks are configuration, numbered by plain integers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WarehouseId(pub i64);

impl fmt::Display for WarehouseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RackId(pub i64);

impl fmt::Display for RackId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ids_are_json_strings_both_ways_and_typed_ids_check_their_kind() {
        let boxes = vec![BoxId::new(42).unwrap(), BoxId::new(7).unwrap()];
        let text = serde_json::to_string(&boxes).unwrap();
        assert_eq!(text, r#"["b000000000000000042","b000000000000000007"]"#);
        assert_eq!(serde_json::from_str::<Vec<BoxId>>(&text).unwrap(), boxes);
        let any: Vec<ObjectId> = serde_json::from_str(&text).unwrap();
        assert_eq!(any[0], boxes[0].object_id());
        // An escaped string still reads; the wrong kind, a number or junk do not.
        assert_eq!(
            serde_json::from_str::<BoxId>(r#""b00000000000000004\u0032""#).unwrap(),
            boxes[0]
        );
        assert!(serde_json::from_str::<ItemId>(r#""b000000000000000042""#).is_err());
        assert!(serde_json::from_str::<BoxId>("42").is_err());
        assert!(serde_json::from_str::<ObjectId>(r#""b42x""#).is_err());
    }

    #[test]
    fn parses_reference_example() {
        let id = ObjectId::parse("b000000000000000042").unwrap();
        assert_eq!(id.kind(), IdKind::Box);
        assert_eq!(id.number(), 42);
        assert_eq!(id.to_string(), "b000000000000000042");
    }

    #[test]
    fn rejects_malformed_ids() {
        assert_eq!(ObjectId::parse("b42"), Err(IdError::Length));
        assert_eq!(
            ObjectId::parse("b0000000000000000420"),
            Err(IdError::Length)
        );
        assert_eq!(
            ObjectId::parse("x000000000000000042"),
            Err(IdError::UnknownKind('x'))
        );
        assert_eq!(
            ObjectId::parse("B000000000000000042"),
            Err(IdError::UnknownKind('B'))
        );
        assert_eq!(ObjectId::parse("b00000000000000004a"), Err(IdError::Digits));
        assert_eq!(ObjectId::parse("b-00000000000000042"), Err(IdError::Digits));
        assert_eq!(ObjectId::parse("bé0000000000000042"), Err(IdError::Length));
        assert_eq!(ObjectId::parse(""), Err(IdError::Length));
    }

    #[test]
    fn typed_ids_check_their_kind() {
        assert!(ItemId::parse("i000000000000000001").is_ok());
        assert_eq!(
            ItemId::parse("b000000000000000001"),
            Err(IdError::WrongKind {
                expected: IdKind::Item,
                found: IdKind::Box
            })
        );
        assert!(PlaceId::new(MAX_ID_NUMBER + 1).is_err());
    }

    #[test]
    fn serial_mapping_fits_the_format() {
        // A 7-digit serial maps to i70000000000 + serial (reference section 1).
        let id = ItemId::parse("i700000000001234567").unwrap();
        assert_eq!(id.number(), 700_000_000_001_234_567);
    }

    #[test]
    fn order_follows_text_order() {
        let a = ObjectId::parse("b000000000000000009").unwrap();
        let b = ObjectId::parse("b000000000000000010").unwrap();
        let c = ObjectId::parse("i000000000000000001").unwrap();
        assert!(a < b && b < c);
        assert!(a.to_string() < b.to_string() && b.to_string() < c.to_string());
    }

    proptest! {
        #[test]
        fn display_parse_round_trip(kind in 0usize..6, number in 0u64..=MAX_ID_NUMBER) {
            let id = ObjectId::new(IdKind::ALL[kind], number).unwrap();
            let text = id.to_string();
            prop_assert_eq!(text.len(), ID_LEN);
            prop_assert_eq!(ObjectId::parse(&text).unwrap(), id);
        }

        #[test]
        fn arbitrary_text_never_panics(text in ".{0,40}") {
            let _ = ObjectId::parse(&text);
        }
    }
}
