//! Orders: customer orders and RMA/repair orders, their customer and their status steps.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::id::OrderId;
use crate::meta::Meta;
use crate::orders::public::OrderPublicFields;
use crate::repair::Declared;
use crate::text::{Code, Name};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Created,
    Received,
    Processed,
    Shipped,
}

impl OrderStatus {
    /// Every status, in the order an order goes through them.
    pub const ALL: [OrderStatus; 4] = [
        OrderStatus::Created,
        OrderStatus::Received,
        OrderStatus::Processed,
        OrderStatus::Shipped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Created => "created",
            OrderStatus::Received => "received",
            OrderStatus::Processed => "processed",
            OrderStatus::Shipped => "shipped",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "created" => Some(OrderStatus::Created),
            "received" => Some(OrderStatus::Received),
            "processed" => Some(OrderStatus::Processed),
            "shipped" => Some(OrderStatus::Shipped),
            _ => None,
        }
    }
}

/// Customer fields of an order (reference section 7); all optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Customer {
    pub company: Option<Name>,
    pub person: Option<Name>,
    pub street: Option<Name>,
    pub house_number: Option<Code>,
    pub postal_code: Option<Code>,
    pub city: Option<Name>,
    pub country: Option<Name>,
    pub email: Option<Name>,
    pub invoice_email: Option<Name>,
    pub phone: Option<Code>,
    pub reseller: Option<Name>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Order {
    pub id: OrderId,
    pub reference: Option<Code>,
    pub customer: Customer,
    pub status: OrderStatus,
    pub tracking_number: Option<Code>,
    pub received_at: Option<DateTime<Utc>>,
    pub processed_at: Option<DateTime<Utc>>,
    pub shipped_at: Option<DateTime<Utc>>,
    /// What the public label page may show. Left out of the state while empty, so that order
    /// states recorded before orders could be published replay unchanged.
    #[serde(skip_serializing_if = "OrderPublicFields::is_empty")]
    pub public_fields: OrderPublicFields,
    /// The devices the customer declared (RMA requests); left out of the state while empty,
    /// like the public fields.
    #[serde(skip_serializing_if = "Declared::is_empty")]
    pub declared: Declared,
    #[serde(skip)]
    pub meta: Meta,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewOrder {
    pub reference: Option<Code>,
    pub customer: Customer,
    pub tracking_number: Option<Code>,
    pub public_fields: OrderPublicFields,
    /// Only RMA requests declare devices.
    pub declared: Declared,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderPatch {
    pub reference: Option<Option<Code>>,
    pub customer: Option<Customer>,
    pub status: Option<OrderStatus>,
    pub tracking_number: Option<Option<Code>>,
    /// Replaces the whole set.
    pub public_fields: Option<OrderPublicFields>,
    /// Replaces the declared devices (the repair wing decides when that is allowed).
    pub declared: Option<Declared>,
}

impl Order {
    /// Applies a patch; the status only moves forward (created -> received -> processed -> shipped),
    /// and each step reached records its time.
    pub fn apply(&mut self, patch: OrderPatch, at: DateTime<Utc>) -> Result<(), DomainError> {
        if let Some(status) = patch.status {
            if status < self.status {
                return Err(DomainError::invalid(
                    "status",
                    format!(
                        "cannot go back from {} to {}",
                        self.status.as_str(),
                        status.as_str()
                    ),
                ));
            }
            if status > self.status {
                for step in [
                    OrderStatus::Received,
                    OrderStatus::Processed,
                    OrderStatus::Shipped,
                ] {
                    if step > self.status && step <= status {
                        let slot = match step {
                            OrderStatus::Received => &mut self.received_at,
                            OrderStatus::Processed => &mut self.processed_at,
                            _ => &mut self.shipped_at,
                        };
                        slot.get_or_insert(at);
                    }
                }
                self.status = status;
            }
        }
        if let Some(v) = patch.reference {
            self.reference = v;
        }
        if let Some(v) = patch.customer {
            self.customer = v;
        }
        if let Some(v) = patch.tracking_number {
            self.tracking_number = v;
        }
        if let Some(v) = patch.public_fields {
            self.public_fields = v;
        }
        if let Some(v) = patch.declared {
            self.declared = v;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn all_lists_every_status_once_in_order() {
        // A status added to the enum must be added to `ALL`: this match stops compiling.
        let place = |s: OrderStatus| match s {
            OrderStatus::Created => 0,
            OrderStatus::Received => 1,
            OrderStatus::Processed => 2,
            OrderStatus::Shipped => 3,
        };
        for (i, status) in OrderStatus::ALL.into_iter().enumerate() {
            assert_eq!(place(status), i);
            assert_eq!(OrderStatus::parse(status.as_str()), Some(status));
        }
    }

    /// A new order, created at `t0`, with nothing set.
    fn new_order(t0: DateTime<Utc>) -> Order {
        Order {
            id: OrderId::new(1).unwrap(),
            reference: None,
            customer: Customer::default(),
            status: OrderStatus::Created,
            tracking_number: None,
            received_at: None,
            processed_at: None,
            shipped_at: None,
            public_fields: OrderPublicFields::default(),
            declared: Declared::default(),
            meta: Meta::new(t0),
        }
    }

    #[test]
    fn order_status_moves_forward_and_stamps_each_step() {
        let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let mut order = new_order(t0);
        let patch = OrderPatch {
            status: Some(OrderStatus::Processed),
            ..OrderPatch::default()
        };
        order.apply(patch, t0).unwrap();
        assert_eq!(order.status, OrderStatus::Processed);
        assert_eq!(order.received_at, Some(t0));
        assert_eq!(order.processed_at, Some(t0));
        assert_eq!(order.shipped_at, None);
        let back = OrderPatch {
            status: Some(OrderStatus::Received),
            ..OrderPatch::default()
        };
        assert!(order.apply(back, t0).is_err());
    }

    #[test]
    fn a_patch_replaces_the_public_fields_and_the_state_omits_an_empty_set() {
        let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let mut order = new_order(t0);
        let before = crate::movement::ledger::state_of(&order);
        assert!(!before.contains_key("public_fields"));
        let chosen = |names: &[&str]| {
            let names = names.iter().map(|n| (*n).to_owned()).collect();
            OrderPublicFields::new("public_fields", names).unwrap()
        };
        let publish = OrderPatch {
            public_fields: Some(chosen(&["tracking_number", "status"])),
            ..OrderPatch::default()
        };
        order.apply(publish, t0).unwrap();
        assert_eq!(
            crate::movement::ledger::state_of(&order)["public_fields"],
            serde_json::json!(["status", "tracking_number"])
        );
        let replace = OrderPatch {
            public_fields: Some(chosen(&["shipped_at"])),
            ..OrderPatch::default()
        };
        order.apply(replace, t0).unwrap();
        assert_eq!(order.public_fields, chosen(&["shipped_at"]));
        // A patch without the field keeps the set.
        order.apply(OrderPatch::default(), t0).unwrap();
        assert_eq!(order.public_fields, chosen(&["shipped_at"]));
        let clear = OrderPatch {
            public_fields: Some(OrderPublicFields::default()),
            ..OrderPatch::default()
        };
        order.apply(clear, t0).unwrap();
        assert_eq!(crate::movement::ledger::state_of(&order), before);
    }
}
