//! One device, one item: what a manufacturer serial may name (reference sections 1 and 6).
//!
//! Makers number their own devices, so one serial turns up on a scanner of one make and on a
//! printer of another: a serial names a device only within its product class. Among the items
//! that exist, the pair (serial, class code) is therefore unique. An item without a class code
//! cannot be told apart from any other item with its serial, so it clashes with all of them, and
//! they with it. A repair centre that receives a second device with a known serial gives both
//! items their class codes; two devices of one class with one serial are one device.

use std::collections::BTreeMap;
use std::fmt;

use crate::id::ItemId;
use crate::text::Code;

/// An item that carries a serial, as far as the rule cares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SerialHolder {
    pub id: ItemId,
    pub class_code: Option<Code>,
}

impl fmt::Display for SerialHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.class_code {
            Some(class) => write!(f, "item {} (class {class})", self.id),
            None => write!(f, "item {} (no class code)", self.id),
        }
    }
}

/// Whether two items with the same serial could be the same device: they have the same class
/// code, or one of them has none.
pub fn indistinguishable(a: Option<&Code>, b: Option<&Code>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

/// The holders of a serial that an item of `class_code` may not share it with. `item` is the
/// item itself when it is being changed: an item never clashes with itself.
pub fn clashes<'a>(
    item: Option<ItemId>,
    class_code: Option<&Code>,
    holders: &'a [SerialHolder],
) -> Vec<&'a SerialHolder> {
    holders
        .iter()
        .filter(|h| Some(h.id) != item && indistinguishable(class_code, h.class_code.as_ref()))
        .collect()
}

/// Refuses a serial (with the item's class code) that already names an item it could not be
/// told apart from.
pub fn check(
    item: Option<ItemId>,
    serial: &Code,
    class_code: Option<&Code>,
    holders: &[SerialHolder],
) -> Result<(), SerialInUse> {
    let clashing = clashes(item, class_code, holders);
    if clashing.is_empty() {
        return Ok(());
    }
    Err(SerialInUse {
        serial: serial.clone(),
        class_code: class_code.cloned(),
        holders: clashing.into_iter().cloned().collect(),
    })
}

/// Refuses a change of the class code of an item that carries `serial` already (from `was` to
/// `class_code`) when it makes the item clash with a holder it did not clash with before. For an
/// item that keeps the rule this is [`check`]; items that broke it before it held (see
/// [`conflicts`]) may so be put right one at a time: of two items without a class, the first
/// may get its class while the second has none yet.
pub fn check_change(
    item: ItemId,
    serial: &Code,
    was: Option<&Code>,
    class_code: Option<&Code>,
    holders: &[SerialHolder],
) -> Result<(), SerialInUse> {
    let before: Vec<ItemId> = clashes(Some(item), was, holders)
        .into_iter()
        .map(|h| h.id)
        .collect();
    let new: Vec<SerialHolder> = clashes(Some(item), class_code, holders)
        .into_iter()
        .filter(|h| !before.contains(&h.id))
        .cloned()
        .collect();
    if new.is_empty() {
        return Ok(());
    }
    Err(SerialInUse {
        serial: serial.clone(),
        class_code: class_code.cloned(),
        holders: new,
    })
}

/// A serial refused because items that carry it could not be told apart from the new one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct SerialInUse {
    pub serial: Code,
    /// The class code of the item that was refused.
    pub class_code: Option<Code>,
    /// The items that carry the serial and clash with it; at least one.
    pub holders: Vec<SerialHolder>,
}

impl fmt::Display for SerialInUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "serial {} is in use by ", self.serial)?;
        write_list(f, &self.holders)?;
        let unclassed: Vec<String> = self
            .holders
            .iter()
            .filter(|h| h.class_code.is_none())
            .map(|h| h.id.to_string())
            .collect();
        if self.class_code.is_none() {
            f.write_str(
                ": an item without a class code cannot be told apart from it; give this item \
                 its class code, or correct the serial",
            )
        } else if !unclassed.is_empty() {
            write!(
                f,
                ": it has no class code, so the two cannot be told apart; give {} a class code \
                 first, or correct the serial",
                unclassed.join(", ")
            )
        } else {
            f.write_str(
                ": a serial names one device of a class; use that item, or correct the serial",
            )
        }
    }
}

/// Items that share a serial and cannot be told apart: data written before the rule held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SerialConflict {
    pub serial: Code,
    /// Every holder of the serial that clashes with at least one other, by id.
    pub items: Vec<SerialHolder>,
}

impl fmt::Display for SerialConflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "serial {} names {} items that cannot be told apart: ",
            self.serial,
            self.items.len()
        )?;
        write_list(f, &self.items)
    }
}

/// The conflicts among these items, one per serial, ordered by serial.
pub fn conflicts(
    items: impl IntoIterator<Item = (ItemId, Code, Option<Code>)>,
) -> Vec<SerialConflict> {
    let mut by_serial: BTreeMap<Code, Vec<SerialHolder>> = BTreeMap::new();
    for (id, serial, class_code) in items {
        by_serial
            .entry(serial)
            .or_default()
            .push(SerialHolder { id, class_code });
    }
    by_serial
        .into_iter()
        .filter_map(|(serial, mut holders)| {
            holders.sort_by_key(|h| h.id);
            let clashing: Vec<SerialHolder> = holders
                .iter()
                .filter(|h| !clashes(Some(h.id), h.class_code.as_ref(), &holders).is_empty())
                .cloned()
                .collect();
            (!clashing.is_empty()).then_some(SerialConflict {
                serial,
                items: clashing,
            })
        })
        .collect()
}

fn write_list(f: &mut fmt::Formatter<'_>, holders: &[SerialHolder]) -> fmt::Result {
    for (i, holder) in holders.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{holder}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn code(text: &str) -> Code {
        Code::new("code", text).unwrap()
    }

    fn holder(n: u64, class: Option<&str>) -> SerialHolder {
        SerialHolder {
            id: ItemId::new(n).unwrap(),
            class_code: class.map(code),
        }
    }

    #[test]
    fn a_serial_may_repeat_across_classes_only() {
        let x = code("MC33");
        let y = code("TC52");
        assert!(!indistinguishable(Some(&x), Some(&y)));
        assert!(indistinguishable(Some(&x), Some(&x)));
        // Without a class, nothing tells the two apart.
        assert!(indistinguishable(None, Some(&x)));
        assert!(indistinguishable(Some(&x), None));
        assert!(indistinguishable(None, None));
    }

    #[test]
    fn a_new_item_clashes_with_every_holder_it_cannot_be_told_apart_from() {
        let holders = [holder(1, Some("MC33")), holder(2, Some("TC52"))];
        assert!(clashes(None, Some(&code("ZT410")), &holders).is_empty());
        let same = clashes(None, Some(&code("MC33")), &holders);
        assert_eq!(same, vec![&holders[0]]);
        assert_eq!(clashes(None, None, &holders).len(), 2);
        // An item without a class blocks every class.
        let unclassed = [holder(3, None)];
        assert_eq!(clashes(None, Some(&code("ZT410")), &unclassed).len(), 1);
    }

    #[test]
    fn an_item_being_changed_never_clashes_with_itself() {
        let holders = [holder(1, None)];
        let id = ItemId::new(1).unwrap();
        assert!(clashes(Some(id), None, &holders).is_empty());
        assert!(clashes(Some(id), Some(&code("MC33")), &holders).is_empty());
        let other = ItemId::new(2).unwrap();
        assert_eq!(clashes(Some(other), None, &holders).len(), 1);
    }

    #[test]
    fn the_refusal_names_the_holders_and_what_to_do() {
        let serial = code("1234567");
        let refused = check(None, &serial, None, &[holder(1, None)]).unwrap_err();
        let text = refused.to_string();
        assert!(
            text.starts_with(
                "serial 1234567 is in use by item i000000000000000001 (no class code)"
            ),
            "{text}"
        );
        assert!(text.contains("give this item its class code"), "{text}");

        let refused = check(None, &serial, Some(&code("TC52")), &[holder(1, None)]).unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("give i000000000000000001 a class code first"),
            "{refused}"
        );
        let refused = check(
            None,
            &serial,
            Some(&code("MC33")),
            &[holder(1, Some("MC33")), holder(2, Some("TC52"))],
        )
        .unwrap_err();
        assert_eq!(refused.holders, vec![holder(1, Some("MC33"))]);
        assert!(refused.to_string().contains("(class MC33)"), "{refused}");
        assert!(check(None, &serial, Some(&code("ZT410")), &refused.holders).is_ok());
    }

    #[test]
    fn a_change_may_keep_an_old_clash_but_never_add_one() {
        let serial = code("1234567");
        let (a, b) = (ItemId::new(1).unwrap(), ItemId::new(2).unwrap());
        // Two items without a class, from before the rule: each may get its class in turn.
        let holders = [holder(1, None), holder(2, None)];
        check_change(a, &serial, None, Some(&code("MC33")), &holders).unwrap();
        let holders = [holder(1, Some("MC33")), holder(2, None)];
        check_change(b, &serial, None, Some(&code("TC52")), &holders).unwrap();
        // But not take a class another holder has, where it clashed with none before.
        let holders = [holder(1, Some("MC33")), holder(2, Some("TC52"))];
        let refused = check_change(
            b,
            &serial,
            Some(&code("TC52")),
            Some(&code("MC33")),
            &holders,
        )
        .unwrap_err();
        assert_eq!(refused.holders, vec![holder(1, Some("MC33"))]);
        let refused = check_change(b, &serial, Some(&code("TC52")), None, &holders).unwrap_err();
        assert_eq!(refused.holders, vec![holder(1, Some("MC33"))]);
        // Nor a new clash besides an old one.
        let holders = [
            holder(1, Some("X")),
            holder(2, Some("X")),
            holder(3, Some("W")),
        ];
        let refused = check_change(b, &serial, Some(&code("X")), None, &holders).unwrap_err();
        assert_eq!(refused.holders, vec![holder(3, Some("W"))]);
    }

    #[test]
    fn conflicts_list_only_the_serials_that_break_the_rule() {
        let row = |n: u64, serial: &str, class: Option<&str>| {
            (ItemId::new(n).unwrap(), code(serial), class.map(code))
        };
        let found = conflicts([
            row(4, "AAA", Some("X")),
            row(1, "AAA", Some("Y")),
            row(2, "BBB", None),
            row(3, "BBB", Some("X")),
            row(5, "BBB", Some("Y")),
            row(6, "CCC", Some("X")),
            row(7, "CCC", Some("X")),
        ]);
        assert_eq!(
            found,
            vec![
                SerialConflict {
                    serial: code("BBB"),
                    items: vec![holder(2, None), holder(3, Some("X")), holder(5, Some("Y"))],
                },
                SerialConflict {
                    serial: code("CCC"),
                    items: vec![holder(6, Some("X")), holder(7, Some("X"))],
                },
            ]
        );
        assert_eq!(
            found[1].to_string(),
            "serial CCC names 2 items that cannot be told apart: item i000000000000000006 \
             (class X), item i000000000000000007 (class X)"
        );
    }

    proptest! {
        /// Items admitted one by one through `check` never form a conflict.
        #[test]
        fn items_admitted_by_check_never_conflict(
            wanted in proptest::collection::vec((0u8..3, proptest::option::of(0u8..3)), 0..12)
        ) {
            let mut admitted: Vec<(ItemId, Code, Option<Code>)> = Vec::new();
            for (n, (serial, class)) in wanted.into_iter().enumerate() {
                let serial = code(&format!("S{serial}"));
                let class = class.map(|c| code(&format!("C{c}")));
                let holders: Vec<SerialHolder> = admitted
                    .iter()
                    .filter(|(_, s, _)| *s == serial)
                    .map(|(id, _, c)| SerialHolder { id: *id, class_code: c.clone() })
                    .collect();
                if check(None, &serial, class.as_ref(), &holders).is_ok() {
                    admitted.push((ItemId::new(n as u64 + 1).unwrap(), serial, class));
                }
            }
            prop_assert!(conflicts(admitted).is_empty());
        }
    }
}
