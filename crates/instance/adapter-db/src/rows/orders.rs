//! The orders' rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use eckwms_domain::repair::{Declared, DeclaredDevice, DeclaredSerial};
use eckwms_domain::{Customer, Order, OrderId, OrderPublicFields, OrderStatus, PublicOrderField};
use serde_json::Value;

use super::{from_db, meta, opt_string, opt_text, to_db, typed};
use crate::error::DbError;
use crate::schema::{orders, rma_declared};

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug)]
#[diesel(table_name = orders, treat_none_as_null = true, treat_none_as_default_value = false)]
pub(crate) struct OrderRow {
    pub id: String,
    pub reference: Option<String>,
    pub customer: String,
    pub status: String,
    pub tracking_number: Option<String>,
    pub received_at: Option<NaiveDateTime>,
    pub processed_at: Option<NaiveDateTime>,
    pub shipped_at: Option<NaiveDateTime>,
    pub public_fields: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// An order's public fields as stored: their names separated by spaces, in the fixed order
/// (`"status tracking_number"`); empty when nothing is public.
fn public_fields_text(fields: &OrderPublicFields) -> String {
    fields
        .iter()
        .map(PublicOrderField::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Reads [`public_fields_text`]; an unknown name is damage, reported rather than skipped.
fn public_fields_from(text: &str) -> Result<OrderPublicFields, DbError> {
    text.split_ascii_whitespace()
        .map(|name| {
            PublicOrderField::parse(name)
                .ok_or_else(|| DbError::corrupt(format!("public order field {name:?}")))
        })
        .collect()
}

impl OrderRow {
    pub fn from_domain(o: &Order) -> Self {
        Self {
            id: o.id.to_string(),
            reference: opt_string(&o.reference),
            customer: serde_json::to_string(&o.customer).unwrap_or_else(|_| "{}".into()),
            status: o.status.as_str().to_owned(),
            tracking_number: opt_string(&o.tracking_number),
            received_at: o.received_at.map(to_db),
            processed_at: o.processed_at.map(to_db),
            shipped_at: o.shipped_at.map(to_db),
            public_fields: public_fields_text(&o.public_fields),
            version: o.meta.version,
            created_at: to_db(o.meta.created_at),
            updated_at: to_db(o.meta.updated_at),
        }
    }

    pub fn into_domain(self) -> Result<Order, DbError> {
        let fields: serde_json::Map<String, Value> =
            serde_json::from_str(&self.customer).map_err(DbError::corrupt)?;
        let get = |name: &str| fields.get(name).and_then(Value::as_str).map(str::to_owned);
        let customer = Customer {
            company: opt_text("company", get("company"))?,
            person: opt_text("person", get("person"))?,
            street: opt_text("street", get("street"))?,
            house_number: opt_text("house_number", get("house_number"))?,
            postal_code: opt_text("postal_code", get("postal_code"))?,
            city: opt_text("city", get("city"))?,
            country: opt_text("country", get("country"))?,
            email: opt_text("email", get("email"))?,
            invoice_email: opt_text("invoice_email", get("invoice_email"))?,
            phone: opt_text("phone", get("phone"))?,
            reseller: opt_text("reseller", get("reseller"))?,
        };
        Ok(Order {
            id: typed::<OrderId>(&self.id)?,
            reference: opt_text("reference", self.reference)?,
            customer,
            status: OrderStatus::parse(&self.status)
                .ok_or_else(|| DbError::corrupt(format!("status {:?}", self.status)))?,
            tracking_number: opt_text("tracking_number", self.tracking_number)?,
            received_at: self.received_at.map(from_db),
            processed_at: self.processed_at.map(from_db),
            shipped_at: self.shipped_at.map(from_db),
            public_fields: public_fields_from(&self.public_fields)?,
            // Read apart, from `rma_declared` (see `DeclaredRow`).
            declared: Declared::default(),
            meta: meta(self.version, self.created_at, self.updated_at),
        })
    }
}

/// One declared device of an RMA request.
#[derive(Queryable, Selectable, Insertable, Debug)]
#[diesel(table_name = rma_declared, treat_none_as_null = true, treat_none_as_default_value = false)]
pub(crate) struct DeclaredRow {
    pub order_id: String,
    pub position: i32,
    pub serial: String,
    pub serial_key: String,
    pub description: Option<String>,
}

impl DeclaredRow {
    /// The rows of an order's declared devices, numbered from 1 in their order.
    pub fn from_domain(order: OrderId, declared: &Declared) -> Vec<Self> {
        (1..)
            .zip(declared.devices())
            .map(|(position, d)| Self {
                order_id: order.to_string(),
                position,
                serial: d.serial.as_str().to_owned(),
                serial_key: d.serial.key(),
                description: d.description.as_ref().map(|t| t.as_str().to_owned()),
            })
            .collect()
    }

    pub fn into_domain(self) -> Result<DeclaredDevice, DbError> {
        Ok(DeclaredDevice {
            serial: DeclaredSerial::from_stored("serial", self.serial).map_err(DbError::corrupt)?,
            description: opt_text("description", self.description)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_order_fields_are_names_separated_by_spaces() {
        let fields: OrderPublicFields = [PublicOrderField::ShippedAt, PublicOrderField::Status]
            .into_iter()
            .collect();
        let text = public_fields_text(&fields);
        assert_eq!(text, "status shipped_at");
        assert_eq!(public_fields_from(&text).unwrap(), fields);
        assert_eq!(public_fields_text(&OrderPublicFields::default()), "");
        assert!(public_fields_from("").unwrap().is_empty());
        // Damage is reported, not skipped; the customer never reads as a field.
        assert!(public_fields_from("status customer").is_err());
    }
}
