//! What of an order its owner publishes on the public label page: a set of fields chosen from a
//! fixed list. Nothing is public unless chosen, and the customer can never be chosen.

use serde::{Serialize, Serializer};

use crate::error::{DomainError, FieldError};

/// An order field that may be published. The variants are in the order the public page shows
/// them, which is also their `Ord`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PublicOrderField {
    Status,
    Reference,
    TrackingNumber,
    ReceivedAt,
    ProcessedAt,
    ShippedAt,
}

const ALLOWED: &str = "status, reference, tracking_number, received_at, processed_at or shipped_at";

impl PublicOrderField {
    /// Every field that may be published, in the order the public page shows them.
    pub const ALL: [PublicOrderField; 6] = [
        PublicOrderField::Status,
        PublicOrderField::Reference,
        PublicOrderField::TrackingNumber,
        PublicOrderField::ReceivedAt,
        PublicOrderField::ProcessedAt,
        PublicOrderField::ShippedAt,
    ];

    /// The name of the field in an order's JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            PublicOrderField::Status => "status",
            PublicOrderField::Reference => "reference",
            PublicOrderField::TrackingNumber => "tracking_number",
            PublicOrderField::ReceivedAt => "received_at",
            PublicOrderField::ProcessedAt => "processed_at",
            PublicOrderField::ShippedAt => "shipped_at",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == text)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }

    /// Reads one entry of a request; the error says why a name is refused.
    fn from_request(field: &str, text: &str) -> Result<Self, FieldError> {
        if let Some(found) = Self::parse(text) {
            return Ok(found);
        }
        if text == "customer" || text.starts_with("customer.") {
            return Err(FieldError::new(
                field,
                "the customer of an order is never public",
            ));
        }
        let mut message = format!("must be one of {ALLOWED}");
        // Clients used to camelCase JSON are told the name this API uses.
        if let Some(found) = Self::parse(&snake_case(text)) {
            message.push_str(&format!(" (did you mean {}?)", found.as_str()));
        }
        Err(FieldError::new(field, message))
    }
}

fn snake_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The fields of an order its owner made public; empty (the default): nothing is public.
/// Serializes as an array of field names in [`PublicOrderField::ALL`] order. One bit per field,
/// so that an order stays small.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct OrderPublicFields(u8);

impl OrderPublicFields {
    /// Reads the field names of a request, each once. Errors name the entry, like
    /// `public_fields[1]`.
    pub fn new(field: &str, names: Vec<String>) -> Result<Self, DomainError> {
        if names.len() > PublicOrderField::ALL.len() {
            return Err(DomainError::invalid(
                field,
                format!(
                    "must have at most {} entries, each of {ALLOWED} once",
                    PublicOrderField::ALL.len()
                ),
            ));
        }
        let mut set = Self::default();
        let mut errors = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let entry = format!("{field}[{i}]");
            match PublicOrderField::from_request(&entry, name) {
                Ok(found) if set.contains(found) => {
                    errors.push(FieldError::new(entry, "is a duplicate"));
                }
                Ok(found) => set.0 |= found.bit(),
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(set)
        } else {
            Err(DomainError::Invalid(errors))
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    pub fn contains(&self, field: PublicOrderField) -> bool {
        self.0 & field.bit() != 0
    }

    /// The chosen fields in [`PublicOrderField::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = PublicOrderField> + '_ {
        PublicOrderField::ALL
            .into_iter()
            .filter(|f| self.contains(*f))
    }
}

impl FromIterator<PublicOrderField> for OrderPublicFields {
    fn from_iter<I: IntoIterator<Item = PublicOrderField>>(fields: I) -> Self {
        Self(fields.into_iter().fold(0, |bits, f| bits | f.bit()))
    }
}

impl Serialize for OrderPublicFields {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter().map(PublicOrderField::as_str))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    fn refusals(result: Result<OrderPublicFields, DomainError>) -> Vec<FieldError> {
        match result {
            Err(DomainError::Invalid(errors)) => errors,
            other => panic!("expected field errors, got {other:?}"),
        }
    }

    #[test]
    fn fields_come_out_in_the_fixed_order_whatever_the_order_given() {
        let set = OrderPublicFields::new(
            "public_fields",
            names(&["shipped_at", "status", "tracking_number"]),
        )
        .unwrap();
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            [
                PublicOrderField::Status,
                PublicOrderField::TrackingNumber,
                PublicOrderField::ShippedAt
            ]
        );
        assert_eq!(
            serde_json::to_string(&set).unwrap(),
            r#"["status","tracking_number","shipped_at"]"#
        );
        assert!(set.contains(PublicOrderField::Status));
        assert!(!set.contains(PublicOrderField::Reference));
        let empty = OrderPublicFields::new("public_fields", Vec::new()).unwrap();
        assert!(empty.is_empty());
        assert_eq!(empty, OrderPublicFields::default());
        assert_eq!(serde_json::to_string(&empty).unwrap(), "[]");
    }

    #[test]
    fn the_customer_is_never_public() {
        for customer in ["customer", "customer.email", "customer.person"] {
            let errors = refusals(OrderPublicFields::new(
                "public_fields",
                names(&["status", customer]),
            ));
            assert_eq!(
                errors,
                [FieldError::new(
                    "public_fields[1]",
                    "the customer of an order is never public"
                )]
            );
        }
    }

    #[test]
    fn unknown_duplicate_and_too_many_names_are_refused_together() {
        let errors = refusals(OrderPublicFields::new(
            "public_fields",
            names(&["status", "trackingNumber", "status", "id", "Status"]),
        ));
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "public_fields[1]",
                "public_fields[2]",
                "public_fields[3]",
                "public_fields[4]"
            ]
        );
        assert!(
            errors[0]
                .message
                .ends_with("(did you mean tracking_number?)"),
            "{}",
            errors[0].message
        );
        assert_eq!(errors[1].message, "is a duplicate");
        assert_eq!(
            errors[2].message,
            "must be one of status, reference, tracking_number, received_at, processed_at or \
             shipped_at"
        );
        assert!(!errors[3].message.contains("did you mean"));
        let seven = names(&["status"; 7]);
        assert_eq!(
            refusals(OrderPublicFields::new("public_fields", seven))[0].field,
            "public_fields"
        );
    }

    proptest! {
        #[test]
        fn any_subset_in_any_order_reads_back_in_the_fixed_order(
            chosen in prop::sample::subsequence(PublicOrderField::ALL.to_vec(), 0..=6)
                .prop_shuffle()
        ) {
            let given: Vec<String> = chosen.iter().map(|f| f.as_str().to_owned()).collect();
            let set = OrderPublicFields::new("public_fields", given).unwrap();
            let mut sorted = chosen.clone();
            sorted.sort();
            prop_assert_eq!(set.iter().collect::<Vec<_>>(), sorted.clone());
            prop_assert_eq!(set, sorted.into_iter().collect::<OrderPublicFields>());
        }

        #[test]
        fn only_the_six_names_parse(text in "\\PC{0,20}") {
            match PublicOrderField::parse(&text) {
                Some(field) => prop_assert_eq!(field.as_str(), text.as_str()),
                None => prop_assert!(PublicOrderField::ALL.iter().all(|f| f.as_str() != text)),
            }
        }
    }
}
