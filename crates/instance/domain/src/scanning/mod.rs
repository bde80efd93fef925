//! The scan flow (reference section 6): what a scan does, given the device's working set.
//!
//! A device keeps sets of scanned items, boxes and places. Each scan of a known object either
//! joins a set or acts on what the sets hold: items then a box put the items into the box,
//! items and boxes then a place put them at the place, boxes then an order link them to it. A
//! code nobody knows, scanned while items (or only boxes) are in the set, describes the last of
//! them. [`plan`] decides; the caller carries the plan out and then calls
//! [`WorkingSet::after`].

use serde::{Deserialize, Serialize};

use crate::id::{BoxId, ItemId, OrderId, PlaceId};
use crate::movement::moves::MAX_MOVE_BATCH;

/// Most objects a set holds: everything in it must fit one move.
pub const MAX_SET: usize = MAX_MOVE_BATCH;

/// A device's working set. Each list keeps scan order and holds an id once.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkingSet {
    pub items: Vec<ItemId>,
    pub boxes: Vec<BoxId>,
    pub places: Vec<PlaceId>,
}

/// What a scanned code turned out to be, as far as the flow cares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Item(ItemId),
    Box(BoxId),
    Place(PlaceId),
    Order(OrderId),
    /// A code that names no object. `class_code`: it is a known product class code.
    Unknown {
        text: String,
        class_code: bool,
    },
}

/// What a scan does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// The item joins the item set (nothing moves).
    JoinItem(ItemId),
    /// The box joins the box set (nothing moves).
    JoinBox(BoxId),
    /// The place becomes the set's place (nothing moves).
    JoinPlace(PlaceId),
    /// The items go into the box; the item set empties and the box joins the box set.
    ItemsIntoBox { items: Vec<ItemId>, into: BoxId },
    /// The items, then the boxes, go to the place; both sets empty.
    ToPlace {
        items: Vec<ItemId>,
        boxes: Vec<BoxId>,
        place: PlaceId,
    },
    /// The boxes are linked to the order; the sets stay.
    LinkBoxes { boxes: Vec<BoxId>, order: OrderId },
    /// An order scanned with no boxes in the set: shown, nothing else.
    ShowOrder(OrderId),
    /// A known product class code: it becomes the class of the last item.
    SetClass { item: ItemId, class_code: String },
    /// Any other unknown code becomes an extra barcode of the last item.
    ItemBarcode { item: ItemId, barcode: String },
    /// ... or, when only boxes are in the set, of the last box.
    BoxBarcode { boxed: BoxId, barcode: String },
    /// An unknown code with empty sets.
    NotFound,
    /// The set cannot take another object.
    SetFull,
}

/// Decides what scanning `target` does to `set`.
pub fn plan(set: &WorkingSet, target: &Target) -> Plan {
    match target {
        Target::Item(id) => {
            if !set.items.contains(id) && set.items.len() >= MAX_SET {
                Plan::SetFull
            } else {
                Plan::JoinItem(*id)
            }
        }
        Target::Box(id) => {
            if !set.items.is_empty() {
                Plan::ItemsIntoBox {
                    items: set.items.clone(),
                    into: *id,
                }
            } else if !set.boxes.contains(id) && set.boxes.len() >= MAX_SET {
                Plan::SetFull
            } else {
                Plan::JoinBox(*id)
            }
        }
        Target::Place(id) => {
            if set.items.is_empty() && set.boxes.is_empty() {
                Plan::JoinPlace(*id)
            } else {
                Plan::ToPlace {
                    items: set.items.clone(),
                    boxes: set.boxes.clone(),
                    place: *id,
                }
            }
        }
        Target::Order(id) => {
            if set.boxes.is_empty() {
                Plan::ShowOrder(*id)
            } else {
                Plan::LinkBoxes {
                    boxes: set.boxes.clone(),
                    order: *id,
                }
            }
        }
        Target::Unknown { text, class_code } => match (set.items.last(), set.boxes.last()) {
            (Some(item), _) if *class_code => Plan::SetClass {
                item: *item,
                class_code: text.clone(),
            },
            (Some(item), _) => Plan::ItemBarcode {
                item: *item,
                barcode: text.clone(),
            },
            (None, Some(boxed)) => Plan::BoxBarcode {
                boxed: *boxed,
                barcode: text.clone(),
            },
            (None, None) => Plan::NotFound,
        },
    }
}

impl WorkingSet {
    pub fn is_empty(&self) -> bool {
        self.items.is_empty() && self.boxes.is_empty() && self.places.is_empty()
    }

    /// The set once `plan` has been carried out.
    pub fn after(&self, plan: &Plan) -> WorkingSet {
        let mut next = self.clone();
        match plan {
            Plan::JoinItem(id) => push_once(&mut next.items, *id),
            Plan::JoinBox(id) => push_once(&mut next.boxes, *id),
            Plan::JoinPlace(id) => next.places = vec![*id],
            Plan::ItemsIntoBox { into, .. } => {
                next.items.clear();
                // The box may be full of sets' worth already; it stays the newest entry.
                next.boxes.retain(|b| b != into);
                next.boxes.push(*into);
                if next.boxes.len() > MAX_SET {
                    next.boxes.remove(0);
                }
            }
            Plan::ToPlace { place, .. } => {
                next.items.clear();
                next.boxes.clear();
                next.places = vec![*place];
            }
            Plan::LinkBoxes { .. }
            | Plan::ShowOrder(_)
            | Plan::SetClass { .. }
            | Plan::ItemBarcode { .. }
            | Plan::BoxBarcode { .. }
            | Plan::NotFound
            | Plan::SetFull => {}
        }
        next
    }
}

fn push_once<T: PartialEq>(list: &mut Vec<T>, value: T) {
    if !list.contains(&value) {
        list.push(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i(n: u64) -> ItemId {
        ItemId::new(n).unwrap()
    }
    fn b(n: u64) -> BoxId {
        BoxId::new(n).unwrap()
    }
    fn p(n: u64) -> PlaceId {
        PlaceId::new(n).unwrap()
    }
    fn o(n: u64) -> OrderId {
        OrderId::new(n).unwrap()
    }
    fn unknown(text: &str, class_code: bool) -> Target {
        Target::Unknown {
            text: text.into(),
            class_code,
        }
    }

    /// Runs scans from an empty set, returning every plan and the final set.
    fn run(targets: &[Target]) -> (Vec<Plan>, WorkingSet) {
        let mut set = WorkingSet::default();
        let mut plans = Vec::new();
        for target in targets {
            let step = plan(&set, target);
            set = set.after(&step);
            plans.push(step);
        }
        (plans, set)
    }

    #[test]
    fn items_then_a_box_go_into_the_box() {
        let (plans, set) = run(&[
            Target::Item(i(1)),
            Target::Item(i(2)),
            Target::Item(i(1)),
            Target::Box(b(7)),
        ]);
        assert_eq!(
            plans[3],
            Plan::ItemsIntoBox {
                items: vec![i(1), i(2)],
                into: b(7)
            }
        );
        assert_eq!(set.items, vec![]);
        assert_eq!(set.boxes, vec![b(7)]);
    }

    #[test]
    fn items_and_boxes_then_a_place_go_to_the_place() {
        let (plans, set) = run(&[Target::Box(b(1)), Target::Item(i(5)), Target::Place(p(30))]);
        assert_eq!(
            plans[2],
            Plan::ToPlace {
                items: vec![i(5)],
                boxes: vec![b(1)],
                place: p(30)
            }
        );
        assert_eq!(
            set,
            WorkingSet {
                items: vec![],
                boxes: vec![],
                places: vec![p(30)]
            }
        );
    }

    #[test]
    fn a_place_alone_is_remembered_and_moves_nothing() {
        let (plans, set) = run(&[Target::Place(p(1)), Target::Place(p(2))]);
        assert_eq!(plans, vec![Plan::JoinPlace(p(1)), Plan::JoinPlace(p(2))]);
        assert_eq!(set.places, vec![p(2)]);
    }

    #[test]
    fn boxes_then_an_order_are_linked_and_the_set_stays() {
        let (plans, set) = run(&[Target::Box(b(1)), Target::Box(b(2)), Target::Order(o(9))]);
        assert_eq!(
            plans[2],
            Plan::LinkBoxes {
                boxes: vec![b(1), b(2)],
                order: o(9)
            }
        );
        assert_eq!(set.boxes, vec![b(1), b(2)]);
        assert_eq!(
            plan(&WorkingSet::default(), &Target::Order(o(9))),
            Plan::ShowOrder(o(9))
        );
    }

    #[test]
    fn unknown_codes_describe_the_last_item_or_box() {
        let (plans, _) = run(&[
            Target::Item(i(1)),
            Target::Item(i(2)),
            unknown("CLASS-A", true),
            unknown("4006381333931", false),
        ]);
        assert_eq!(
            plans[2],
            Plan::SetClass {
                item: i(2),
                class_code: "CLASS-A".into()
            }
        );
        assert_eq!(
            plans[3],
            Plan::ItemBarcode {
                item: i(2),
                barcode: "4006381333931".into()
            }
        );
        let (plans, _) = run(&[Target::Box(b(3)), unknown("1Z999AA10123456784", false)]);
        assert_eq!(
            plans[1],
            Plan::BoxBarcode {
                boxed: b(3),
                barcode: "1Z999AA10123456784".into()
            }
        );
        // A class code with only boxes in the set is kept as the box's barcode.
        let (plans, _) = run(&[Target::Box(b(3)), unknown("CLASS-A", true)]);
        assert!(matches!(plans[1], Plan::BoxBarcode { .. }));
        assert_eq!(
            plan(&WorkingSet::default(), &unknown("x", false)),
            Plan::NotFound
        );
    }

    #[test]
    fn a_full_set_refuses_more() {
        let set = WorkingSet {
            items: (1..=MAX_SET as u64).map(i).collect(),
            ..WorkingSet::default()
        };
        assert_eq!(plan(&set, &Target::Item(i(100_000))), Plan::SetFull);
        // An item already in the set may be scanned again.
        assert_eq!(plan(&set, &Target::Item(i(1))), Plan::JoinItem(i(1)));
        assert_eq!(set.after(&Plan::SetFull), set);
    }
}
