//! The customer's slip of an RMA request: an A4 PDF the customer prints and puts in the parcel.
//! It shows the RMA code large with a QR code, the customer's address, the declared devices and
//! short instructions. The QR code holds a label code of the order (ECK1, as on a printed label
//! of the order), so a phone opens the global service's public page of the request, and the
//! repair centre's scanner finds the order on arrival.

use eckwms_codes::ids::RmaCode;
use eckwms_domain::access::Permission;
use eckwms_domain::{Customer, ObjectId, Order, OrderId};
use eckwms_labels::{
    SLIP_MAX_ADDRESS_CHARS, SLIP_MAX_DESCRIPTION_CHARS, SLIP_MAX_REFERENCE_CHARS, Slip,
};

use super::{RepairService, rma_code};
use crate::access::Actor;
use crate::error::{AppError, AppResult};

/// The slip's heading (English; the UI localises later).
pub const SLIP_TITLE: &str = "Repair request";

/// A rendered slip.
#[derive(Clone, Debug)]
pub struct RmaSlip {
    /// The request's RMA code (it names the file).
    pub code: RmaCode,
    /// What the PDF shows.
    pub slip: Slip,
    /// The A4 PDF.
    pub pdf: Vec<u8>,
}

impl RepairService {
    /// The customer's slip of the RMA request `id`, with a fresh label code of the order in its
    /// QR code (nothing is recorded: the code names the order, as every label of it does).
    /// Needs [`Permission::OrdersManage`] (the repair desk prints it). Only RMA requests have
    /// slips: another order, like an unknown one, is not found. Refused (409
    /// `label_key_missing`) while no v2 label key is configured, as label printing is.
    pub fn slip(&self, actor: &Actor, id: OrderId) -> AppResult<RmaSlip> {
        actor.require(Permission::OrdersManage)?;
        // The RMA range is a property of the id: a plain order never becomes an RMA request,
        // so its slip does not exist (404) rather than being refused for now (409).
        let Some(code) = rma_code(id) else {
            return Err(AppError::not_found("RMA request", id));
        };
        // Asked before the order is read, as label printing asks before it allocates.
        let [qr, _, _] = self.ports.labels.label_codes(ObjectId::from(id))?;
        let order = self.ports.orders.get_order(id)?;
        let slip = slip_of(&order, code, qr);
        let pdf = eckwms_labels::slip_pdf(&slip)
            .map_err(|e| AppError::internal(anyhow::anyhow!("RMA slip of {id}: {e}")))?;
        Ok(RmaSlip { code, slip, pdf })
    }
}

/// What the slip of `order` shows: `code` large, `qr` in its QR code, the customer's address
/// (company, person, street and house number, postal code and city, country; what is missing
/// is left out), the date it was made (UTC), the customer's reference, the declared devices and
/// the instructions. Texts longer than the slip allows are cut with `…` (the stored limits of
/// names and descriptions are wider than the slip's lines), so every order has a slip.
pub fn slip_of(order: &Order, code: RmaCode, qr: String) -> Slip {
    let code = code.to_string();
    Slip {
        instructions: instructions(&code),
        code,
        qr,
        address: address_lines(&order.customer),
        reference: order
            .reference
            .as_ref()
            .map(|r| cut(r.as_str(), SLIP_MAX_REFERENCE_CHARS)),
        date: order.meta.created_at.format("%Y-%m-%d").to_string(),
        devices: order
            .declared
            .devices()
            .iter()
            .map(|d| {
                (
                    // At most 64 characters, as the slip takes them: never cut.
                    d.serial.as_str().to_owned(),
                    d.description
                        .as_ref()
                        .map(|t| cut(t.as_str(), SLIP_MAX_DESCRIPTION_CHARS)),
                )
            })
            .collect(),
        title: SLIP_TITLE.to_owned(),
    }
}

/// The address block, one line per part present.
fn address_lines(c: &Customer) -> Vec<String> {
    let joined = |a: Option<&str>, b: Option<&str>| {
        let parts: Vec<&str> = [a, b].into_iter().flatten().collect();
        Some(parts.join(" ")).filter(|line| !line.is_empty())
    };
    [
        c.company.as_ref().map(|t| t.as_str().to_owned()),
        c.person.as_ref().map(|t| t.as_str().to_owned()),
        joined(
            c.street.as_ref().map(|t| t.as_str()),
            c.house_number.as_ref().map(|t| t.as_str()),
        ),
        joined(
            c.postal_code.as_ref().map(|t| t.as_str()),
            c.city.as_ref().map(|t| t.as_str()),
        ),
        c.country.as_ref().map(|t| t.as_str().to_owned()),
    ]
    .into_iter()
    .flatten()
    .map(|line| cut(&line, SLIP_MAX_ADDRESS_CHARS))
    .collect()
}

fn instructions(code: &str) -> Vec<String> {
    vec![
        "Print this slip and put it in the parcel together with the devices listed below."
            .to_owned(),
        format!("Write the RMA code {code} clearly on the outside of the parcel."),
        "Scan the QR code to follow the progress of your repair.".to_owned(),
    ]
}

/// `text` as it is when it has at most `max` characters, else its first `max - 1` and `…`.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(max.saturating_sub(1)).collect();
    short.push('…');
    short
}

#[cfg(test)]
mod tests;
