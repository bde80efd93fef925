//! Reconciliation of an RMA request: which declared devices arrived (an item found in the
//! order's boxes stands for them), which are missing, and which items arrived undeclared.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::DeclaredDevice;
use crate::id::ItemId;
use crate::text::Code;

/// Days after its arrival from which an RMA request is overdue: received 30 or more whole
/// days ago.
pub const OVERDUE_DAYS: i64 = 30;

/// Most items one reconciliation reads from the order's boxes. More is no parcel of one
/// customer but a mistake (a shelf linked to the order): it is refused, not cut short, since a
/// partial read would call arrived devices missing.
pub const MAX_FOUND_ITEMS: usize = 10_000;

/// An item found in the order's boxes, with what identifies it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundItem {
    pub id: ItemId,
    pub serial: Option<Code>,
    pub barcodes: Vec<Code>,
}

/// A declared device with the item its serial names by itself (a 7-digit manufacturer
/// serial names an item of its own; the caller maps it, as the codes crate knows how).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeclaredLookup {
    pub device: DeclaredDevice,
    pub named_item: Option<ItemId>,
}

/// A declared device and the found item that stands for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matched {
    pub device: DeclaredDevice,
    pub item: ItemId,
}

/// The outcome of [`reconcile`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Matching {
    /// Declared devices that arrived, in the declared order.
    pub matched: Vec<Matched>,
    /// Declared devices no found item stands for, in the declared order.
    pub missing: Vec<DeclaredDevice>,
    /// Found items no declared device names, in id order.
    pub undeclared: Vec<FoundItem>,
}

/// Matches declared devices to found items, one to one: each device takes the first found item
/// (in id order) still free that is the item its serial names, or else whose `serial` or one
/// of whose barcodes equals the declared serial regardless of case. Devices choose in the
/// declared order, so where two could take one item, the first declared wins.
pub fn reconcile(declared: &[DeclaredLookup], found: &[FoundItem]) -> Matching {
    let mut found: Vec<&FoundItem> = found.iter().collect();
    found.sort_by_key(|item| item.id);
    found.dedup_by_key(|item| item.id);
    let by_id: HashMap<ItemId, usize> = found
        .iter()
        .enumerate()
        .map(|(i, item)| (item.id, i))
        .collect();
    // Which items each key names, in id order (an item once per key).
    let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, item) in found.iter().enumerate() {
        let keys: HashSet<String> = item
            .serial
            .iter()
            .chain(&item.barcodes)
            .map(|code| code.as_str().to_uppercase())
            .collect();
        for key in keys {
            by_key.entry(key).or_default().push(i);
        }
    }
    let mut taken = vec![false; found.len()];
    let mut matching = Matching::default();
    for entry in declared {
        let named = entry
            .named_item
            .and_then(|id| by_id.get(&id).copied())
            .filter(|i| !taken[*i]);
        let by_serial = || {
            by_key
                .get(&entry.device.serial.key())
                .and_then(|items| items.iter().copied().find(|i| !taken[*i]))
        };
        match named.or_else(by_serial) {
            Some(i) => {
                taken[i] = true;
                matching.matched.push(Matched {
                    device: entry.device.clone(),
                    item: found[i].id,
                });
            }
            None => matching.missing.push(entry.device.clone()),
        }
    }
    matching.undeclared = found
        .iter()
        .zip(&taken)
        .filter(|(_, taken)| !**taken)
        .map(|(item, _)| (*item).clone())
        .collect();
    matching
}

/// Whole days from `received_at` to `now` (0 while `received_at` is in the future: a clock
/// behind another), and whether that makes the request overdue ([`OVERDUE_DAYS`]).
pub fn age_days(received_at: DateTime<Utc>, now: DateTime<Utc>) -> (i64, bool) {
    let days = (now - received_at).num_days().max(0);
    (days, days >= OVERDUE_DAYS)
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;
    use crate::repair::{Declared, DeclaredInput};

    fn code(s: &str) -> Code {
        Code::new("code", s).unwrap()
    }

    fn item(n: u64, serial: Option<&str>, barcodes: &[&str]) -> FoundItem {
        FoundItem {
            id: ItemId::new(n).unwrap(),
            serial: serial.map(code),
            barcodes: barcodes.iter().map(|b| code(b)).collect(),
        }
    }

    /// Declared devices as the application hands them in: 7-digit serials name item
    /// 700_000_000_000_000_000 + the digits.
    fn declared(serials: &[&str]) -> Vec<DeclaredLookup> {
        let input: Vec<DeclaredInput> = serials
            .iter()
            .map(|s| DeclaredInput {
                serial: (*s).into(),
                description: None,
            })
            .collect();
        Declared::new("declared", &input)
            .unwrap()
            .devices()
            .iter()
            .map(|d| DeclaredLookup {
                device: d.clone(),
                named_item: (d.serial.as_str().len() == 7
                    && d.serial.as_str().bytes().all(|b| b.is_ascii_digit()))
                .then(|| {
                    ItemId::new(700_000_000_000_000_000 + d.serial.as_str().parse::<u64>().unwrap())
                        .unwrap()
                }),
            })
            .collect()
    }

    fn serials(devices: &[DeclaredDevice]) -> Vec<&str> {
        devices.iter().map(|d| d.serial.as_str()).collect()
    }

    fn matched(m: &Matching) -> Vec<(&str, u64)> {
        m.matched
            .iter()
            .map(|x| (x.device.serial.as_str(), x.item.number()))
            .collect()
    }

    fn ids(items: &[FoundItem]) -> Vec<u64> {
        items.iter().map(|i| i.id.number()).collect()
    }

    #[test]
    fn a_seven_digit_serial_matches_the_item_it_names() {
        let m = reconcile(
            &declared(&["1234567", "7654321"]),
            &[
                item(700_000_000_001_234_567, None, &[]),
                item(42, None, &[]),
            ],
        );
        assert_eq!(matched(&m), [("1234567", 700_000_000_001_234_567)]);
        assert_eq!(serials(&m.missing), ["7654321"]);
        assert_eq!(ids(&m.undeclared), [42]);
    }

    #[test]
    fn any_serial_matches_an_items_serial_or_barcode_regardless_of_case() {
        let m = reconcile(
            &declared(&["sn-1", "BC-2", "1234567", "SN-404"]),
            &[
                item(5, Some("SN-1"), &[]),
                item(6, None, &["x", "bc-2"]),
                // A 7-digit serial also matches an item of another id carrying it.
                item(7, Some("1234567"), &[]),
            ],
        );
        assert_eq!(
            matched(&m),
            [("sn-1", 5), ("BC-2", 6), ("1234567", 7)],
            "{m:?}"
        );
        assert_eq!(serials(&m.missing), ["SN-404"]);
        assert!(m.undeclared.is_empty());
    }

    #[test]
    fn matching_is_one_to_one_and_the_first_declared_wins() {
        // Item 3 carries both serials; item 9 only the second: the first device takes 3, so the
        // second takes 9. Item 4 carries the first serial too, but a device takes one item.
        let m = reconcile(
            &declared(&["A", "B", "C"]),
            &[
                item(9, None, &["B"]),
                item(4, Some("a"), &[]),
                item(3, Some("A"), &["B", "c"]),
            ],
        );
        assert_eq!(matched(&m), [("A", 3), ("B", 9)]);
        assert_eq!(serials(&m.missing), ["C"]);
        assert_eq!(ids(&m.undeclared), [4]);
        // The named item comes before items that only carry the serial.
        let named = 700_000_000_001_234_567;
        let m = reconcile(
            &declared(&["1234567"]),
            &[item(1, Some("1234567"), &[]), item(named, None, &[])],
        );
        assert_eq!(matched(&m), [("1234567", named)]);
        assert_eq!(ids(&m.undeclared), [1]);
    }

    #[test]
    fn lists_keep_the_declared_order_and_undeclared_items_the_id_order() {
        let m = reconcile(
            &declared(&["Z", "Y", "X", "W"]),
            &[
                item(30, None, &[]),
                item(2, Some("X"), &[]),
                item(10, None, &[]),
                item(1, Some("Z"), &[]),
                item(10, None, &[]),
            ],
        );
        assert_eq!(matched(&m), [("Z", 1), ("X", 2)]);
        assert_eq!(serials(&m.missing), ["Y", "W"]);
        assert_eq!(ids(&m.undeclared), [10, 30]);
        assert_eq!(reconcile(&[], &[]), Matching::default());
    }

    #[test]
    fn a_request_is_overdue_from_thirty_whole_days_after_it_arrived() {
        let received = Utc.with_ymd_and_hms(2026, 12, 7, 10, 0, 0).unwrap();
        assert_eq!(age_days(received, received), (0, false));
        assert_eq!(
            age_days(received, received + Duration::hours(71)),
            (2, false)
        );
        let boundary = received + Duration::days(OVERDUE_DAYS);
        assert_eq!(
            age_days(received, boundary - Duration::seconds(1)),
            (29, false)
        );
        assert_eq!(age_days(received, boundary), (30, true));
        assert_eq!(age_days(received, received - Duration::days(2)), (0, false));
    }
}
