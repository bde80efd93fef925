//! The repair wing's rules: RMA requests are orders of their own range, and what a customer
//! declares in one (the devices they send in).

use serde::Serialize;

use crate::error::FieldError;
use crate::id::OrderId;
use crate::text::Text;

pub mod arrival;
pub mod reconcile;
pub mod report;

/// Most devices one RMA request declares.
pub const MAX_DECLARED: usize = 500;

/// An RMA request is the order numbered 800_000_000_000_000_000 + the number of its code
/// (`RMA1732617672C6` is order `o800000001732617672`): the digits stay readable in the id, and
/// the range is one the order counter never reaches (`eckwms-codes` reads the codes).
pub const RMA_ORDER_BASE: u64 = 800_000_000_000_000_000;

/// Whether the order stands for an RMA code (made by a request or by a scan of the code).
pub fn is_rma_order(id: OrderId) -> bool {
    id.number() >= RMA_ORDER_BASE
}

/// A serial as the scanner reads it from a device: a 7-digit device serial, another
/// manufacturer's serial, or a free code. 1 to 64 characters of a [`Text`], without
/// whitespace (a scanned code has none).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct DeclaredSerial(Text<64>);

impl DeclaredSerial {
    pub fn new(field: &str, value: impl Into<String>) -> Result<Self, FieldError> {
        let text = Text::<64>::new(field, value)?;
        if text.as_str().chars().any(char::is_whitespace) {
            return Err(FieldError::new(
                field,
                "must not contain whitespace (a serial as the scanner reads it)",
            ));
        }
        Ok(Self(text))
    }

    /// A serial read back from storage.
    pub fn from_stored(field: &str, value: impl Into<String>) -> Result<Self, FieldError> {
        Text::<64>::from_stored(field, value).map(Self)
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// What tells two serials apart: two declarations of one device differ at most in case.
    pub fn key(&self) -> String {
        self.as_str().to_uppercase()
    }
}

/// One device the customer declared: its serial and what they say is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeclaredDevice {
    pub serial: DeclaredSerial,
    pub description: Option<Text<1000>>,
}

/// The devices an RMA request declares: at most [`MAX_DECLARED`], no serial twice (regardless
/// of case), in the customer's order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Declared(Vec<DeclaredDevice>);

/// A declared device as given, not yet checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeclaredInput {
    pub serial: String,
    pub description: Option<String>,
}

impl Declared {
    /// Checks every entry; the errors name `field[i].serial` and `field[i].description`.
    pub fn new(field: &str, input: &[DeclaredInput]) -> Result<Self, Vec<FieldError>> {
        if input.len() > MAX_DECLARED {
            return Err(vec![FieldError::new(
                field,
                format!("must have at most {MAX_DECLARED} devices"),
            )]);
        }
        let mut errors = Vec::new();
        let mut devices = Vec::with_capacity(input.len());
        let mut seen = std::collections::HashMap::with_capacity(input.len());
        for (i, entry) in input.iter().enumerate() {
            let serial_field = format!("{field}[{i}].serial");
            let serial = DeclaredSerial::new(&serial_field, entry.serial.clone());
            let description = entry
                .description
                .clone()
                .map(|d| Text::<1000>::new(&format!("{field}[{i}].description"), d))
                .transpose();
            match (serial, description) {
                (Ok(serial), Ok(description)) => {
                    if let Some(first) = seen.insert(serial.key(), i) {
                        errors.push(FieldError::new(
                            serial_field,
                            format!("declares the device of {field}[{first}] again"),
                        ));
                    } else {
                        devices.push(DeclaredDevice {
                            serial,
                            description,
                        });
                    }
                }
                (serial, description) => {
                    errors.extend(serial.err());
                    errors.extend(description.err());
                }
            }
        }
        if errors.is_empty() {
            Ok(Self(devices))
        } else {
            Err(errors)
        }
    }

    /// Devices read back from storage, in their stored order.
    pub fn from_stored(devices: Vec<DeclaredDevice>) -> Self {
        Self(devices)
    }

    pub fn devices(&self) -> &[DeclaredDevice] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What the repair of a device came to: the `outcome` of a `result` action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Repaired,
    Replaced,
    NoFaultFound,
    BeyondRepair,
    ReturnedUnrepaired,
}

impl Outcome {
    pub const ALL: [Outcome; 5] = [
        Outcome::Repaired,
        Outcome::Replaced,
        Outcome::NoFaultFound,
        Outcome::BeyondRepair,
        Outcome::ReturnedUnrepaired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Repaired => "repaired",
            Outcome::Replaced => "replaced",
            Outcome::NoFaultFound => "no_fault_found",
            Outcome::BeyondRepair => "beyond_repair",
            Outcome::ReturnedUnrepaired => "returned_unrepaired",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == text)
    }
}

/// Most lines of parts used one result lists.
pub const MAX_PARTS: usize = 50;

/// A repair's result beyond its message: the outcome, the parts used (free text lines for
/// now; stock parts later) and whether it was done under warranty.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RepairResult {
    pub outcome: Outcome,
    pub parts: Vec<Text<200>>,
    pub warranty: bool,
}

impl RepairResult {
    /// Checks the parts: at most [`MAX_PARTS`] lines of 1 to 200 characters, named
    /// `field[i]`.
    pub fn new(
        field: &str,
        outcome: Outcome,
        parts: Vec<String>,
        warranty: bool,
    ) -> Result<Self, Vec<FieldError>> {
        if parts.len() > MAX_PARTS {
            return Err(vec![FieldError::new(
                field,
                format!("must have at most {MAX_PARTS} lines"),
            )]);
        }
        let mut errors = Vec::new();
        let mut lines = Vec::with_capacity(parts.len());
        for (i, line) in parts.into_iter().enumerate() {
            match Text::<200>::new(&format!("{field}[{i}]"), line) {
                Ok(line) => lines.push(line),
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(Self {
                outcome,
                parts: lines,
                warranty,
            })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(serial: &str) -> DeclaredInput {
        DeclaredInput {
            serial: serial.into(),
            description: None,
        }
    }

    #[test]
    fn serials_are_scanned_codes_without_whitespace() {
        for bad in ["", " 1234567", "AB 12", "a\u{200B}b", &"x".repeat(65)] {
            assert!(DeclaredSerial::new("s", bad).is_err(), "{bad:?}");
        }
        assert!(DeclaredSerial::new("s", "SN-77/ab").is_ok());
    }

    #[test]
    fn a_declaration_refuses_duplicates_regardless_of_case_and_names_each_bad_entry() {
        let ok = Declared::new(
            "declared",
            &[
                input("1234567"),
                DeclaredInput {
                    serial: "sn-1".into(),
                    description: Some("no power".into()),
                },
            ],
        )
        .unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok.devices()[1].serial.as_str(), "sn-1");

        let errors = Declared::new(
            "declared",
            &[
                input("SN-1"),
                input("sn-1"),
                input(""),
                DeclaredInput {
                    serial: "7".into(),
                    description: Some(" leading".into()),
                },
            ],
        )
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "declared[1].serial",
                "declared[2].serial",
                "declared[3].description"
            ]
        );
        assert!(errors[0].message.contains("declared[0]"), "{errors:?}");
    }

    #[test]
    fn rma_orders_are_the_orders_of_the_rma_range() {
        assert!(is_rma_order(
            OrderId::new(RMA_ORDER_BASE + 1_732_617_672).unwrap()
        ));
        assert!(!is_rma_order(OrderId::new(42).unwrap()));
    }

    #[test]
    fn outcomes_read_as_they_are_written_and_parts_are_bounded() {
        for outcome in Outcome::ALL {
            assert_eq!(Outcome::parse(outcome.as_str()), Some(outcome));
            assert_eq!(
                serde_json::to_value(outcome).unwrap(),
                serde_json::json!(outcome.as_str())
            );
        }
        assert_eq!(Outcome::parse("fixed"), None);
        let ok = RepairResult::new("parts", Outcome::Repaired, vec!["1x battery".into()], true);
        assert_eq!(ok.unwrap().parts.len(), 1);
        let errors = RepairResult::new(
            "parts",
            Outcome::Repaired,
            vec!["ok".into(), "".into()],
            false,
        )
        .unwrap_err();
        assert_eq!(errors[0].field, "parts[1]");
        let many = vec!["x".to_owned(); MAX_PARTS + 1];
        assert_eq!(
            RepairResult::new("parts", Outcome::Replaced, many, false).unwrap_err()[0].field,
            "parts"
        );
    }

    #[test]
    fn at_most_five_hundred_devices() {
        let many: Vec<DeclaredInput> = (0..=MAX_DECLARED)
            .map(|n| input(&format!("SN{n}")))
            .collect();
        assert!(Declared::new("declared", &many[..MAX_DECLARED]).is_ok());
        let errors = Declared::new("declared", &many).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "declared");
    }
}
