//! Manufacturer serials and RMA codes (reference section 1), and the ids they stand for.

use std::fmt;

use eckwms_domain::{ItemId, OrderId};

use crate::check;

/// Items named by a 7-digit manufacturer serial get `i70000000000` + the serial: number
/// 700_000_000_000_000_000 + serial, a range the item counter never reaches.
pub const SERIAL_ITEM_BASE: u64 = eckwms_domain::id::MAPPED_ID_BASE;

/// The item of a scanned 7-digit manufacturer serial: exactly 7 ASCII digits, nothing else.
pub fn serial_item(text: &str) -> Option<ItemId> {
    let digits = text.as_bytes();
    if digits.len() != 7 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    ItemId::new(SERIAL_ITEM_BASE + decimal(digits)).ok()
}

/// Orders of RMA codes get number 800_000_000_000_000_000 + the code's digits (see
/// [`eckwms_domain::repair::RMA_ORDER_BASE`]). (The original named the order `o000` + the RMA
/// code, which has letters and so is not an id of ours.)
pub const RMA_ORDER_BASE: u64 = eckwms_domain::repair::RMA_ORDER_BASE;

/// Largest unix time an RMA code can hold: 10 digits.
pub const MAX_RMA_SECONDS: u64 = 9_999_999_999;

const RMA_LEN: usize = 15;

/// An RMA code: `RMA` + the unix seconds of its creation as 10 digits + the 2 check characters of
/// those 10 digits, e.g. `RMA1732617672C6`. (The original computed the check characters of the
/// seconds alone, not of `RMA` + seconds: every printed RMA code has them that way.)
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RmaCode {
    seconds: u64,
    order: OrderId,
}

/// Why a text is not an RMA code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RmaError {
    #[error("an RMA code is RMA, 10 digits and 2 check characters")]
    Shape,
    #[error("the check characters of the RMA code are wrong")]
    Check,
    #[error("an RMA code holds unix seconds up to 9999999999")]
    Time,
}

impl RmaCode {
    /// The RMA code made at this unix time (seconds).
    pub fn from_unix_seconds(seconds: u64) -> Result<RmaCode, RmaError> {
        if seconds > MAX_RMA_SECONDS {
            return Err(RmaError::Time);
        }
        // At most 800_000_009_999_999_999: always a valid order number.
        let order = OrderId::new(RMA_ORDER_BASE + seconds).map_err(|_| RmaError::Time)?;
        Ok(RmaCode { seconds, order })
    }

    /// Parses `RMA` + 10 digits + 2 check characters. The check characters are verified (that is
    /// what they are for); they are compared without regard to case, because the original
    /// accepted either case there (`[A-Za-z0-9]{2}`) and a code typed by hand may be lower case.
    /// `RMA` itself must be upper case, as in the original.
    pub fn parse(text: &str) -> Result<RmaCode, RmaError> {
        let bytes = text.as_bytes();
        if bytes.len() != RMA_LEN || !bytes.starts_with(b"RMA") {
            return Err(RmaError::Shape);
        }
        let digits = &bytes[3..13];
        if !digits.iter().all(u8::is_ascii_digit) {
            return Err(RmaError::Shape);
        }
        let given = [bytes[13], bytes[14]];
        if !given.iter().all(u8::is_ascii_alphanumeric) {
            return Err(RmaError::Shape);
        }
        if given.to_ascii_uppercase() != check::check_symbols(&text[3..13]) {
            return Err(RmaError::Check);
        }
        RmaCode::from_unix_seconds(decimal(digits))
    }

    pub fn unix_seconds(self) -> u64 {
        self.seconds
    }

    /// The order that stands for this RMA request (see [`RMA_ORDER_BASE`]).
    pub fn order_id(self) -> OrderId {
        self.order
    }
}

impl fmt::Display for RmaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = format!("{:010}", self.seconds);
        let [high, low] = check::check_symbols(&digits);
        write!(f, "RMA{digits}{}{}", char::from(high), char::from(low))
    }
}

impl fmt::Debug for RmaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RmaCode({self})")
    }
}

/// Value of ASCII digits known to be digits and at most 19 long.
fn decimal(digits: &[u8]) -> u64 {
    digits
        .iter()
        .fold(0, |acc, d| acc * 10 + u64::from(d - b'0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_map_to_the_item_range() {
        let item = serial_item("1234567").unwrap();
        assert_eq!(item.to_string(), "i700000000001234567");
        assert_eq!(serial_item("0000000").unwrap().number(), SERIAL_ITEM_BASE);
        for bad in [
            "123456",
            "12345678",
            "123456a",
            " 1234567",
            "１２３４５６７",
            "",
        ] {
            assert_eq!(serial_item(bad), None, "{bad}");
        }
    }

    #[test]
    fn rma_codes() {
        let code = RmaCode::from_unix_seconds(1_732_617_672).unwrap();
        assert_eq!(code.to_string(), "RMA1732617672C6");
        assert_eq!(RmaCode::parse("RMA1732617672C6"), Ok(code));
        assert_eq!(RmaCode::parse("RMA1732617672c6"), Ok(code));
        assert_eq!(code.order_id().to_string(), "o800000001732617672");
        assert_eq!(code.unix_seconds(), 1_732_617_672);
    }

    #[test]
    fn rma_check_characters_are_verified() {
        // BR is the check of "RMA1732617672", which the original never printed.
        assert_eq!(RmaCode::parse("RMA1732617672BR"), Err(RmaError::Check));
        assert_eq!(RmaCode::parse("RMA1732617672C7"), Err(RmaError::Check));
        assert_eq!(RmaCode::parse("RMA1732617673C6"), Err(RmaError::Check));
    }

    #[test]
    fn rma_shape() {
        for bad in [
            "",
            "RMA",
            "rma1732617672C6",
            "RMA173261767C6",
            "RMA17326176722C6",
            "RMA17326176x2C6",
            "RMA1732617672C-",
            "RMA1732617672Cé",
        ] {
            assert_eq!(RmaCode::parse(bad), Err(RmaError::Shape), "{bad}");
        }
    }

    #[test]
    fn rma_time_range() {
        assert_eq!(
            RmaCode::from_unix_seconds(0).unwrap().to_string(),
            format!("RMA0000000000{}", check::check_chars("0000000000"))
        );
        let last = RmaCode::from_unix_seconds(MAX_RMA_SECONDS).unwrap();
        assert_eq!(last.order_id().to_string(), "o800000009999999999");
        assert_eq!(RmaCode::parse(&last.to_string()), Ok(last));
        assert_eq!(
            RmaCode::from_unix_seconds(MAX_RMA_SECONDS + 1),
            Err(RmaError::Time)
        );
    }
}
