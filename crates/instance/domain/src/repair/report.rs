//! The service report of RMA requests (reference section 7): one row per device, the
//! original's 21 columns in its order, written as CSV that spreadsheet programs open directly
//! (UTF-8 with a byte order mark, `;` between cells, CRLF after each row, quoted per RFC 4180)
//! and that cannot smuggle a formula into one (cells that would start one are neutralised).

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::reconcile::{DeclaredLookup, FoundItem, reconcile};
use super::{DeclaredDevice, RepairResult};
use crate::catalog::{ActionKind, ItemAction};
use crate::id::ItemId;
use crate::orders::Order;
use crate::text::{Code, Name};

/// The header row: the original's columns in its order, in English.
pub const COLUMNS: [&str; 21] = [
    "Serial/part number",
    "Model",
    "In date",
    "Out date",
    "Customer",
    "SKU",
    "Email",
    "Address",
    "Zip",
    "City",
    "Complaint",
    "Verification",
    "Cause",
    "Result",
    "Shipping",
    "Invoice number",
    "Note",
    "Warranty",
    "Condition",
    "New parts",
    "Refurbished parts",
];

/// Between several entries of one cell (the messages of several `check` actions, the parts
/// lines of a result, ...).
pub const JOINER: &str = " | ";

/// Between cells: the separator spreadsheet programs of the original's users expect.
pub const SEPARATOR: char = ';';

/// After each row, header included (RFC 4180).
pub const LINE_END: &str = "\r\n";

/// Starts the file, so that spreadsheet programs read it as UTF-8.
pub const BOM: char = '\u{FEFF}';

/// One row: the cells of [`COLUMNS`], in their order.
pub type ServiceRow = [String; 21];

/// An item found in an RMA request's boxes, with what the report shows of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportedItem {
    /// Its id, serial and barcodes: what the reconciliation matches declared devices with.
    pub found: FoundItem,
    pub name: Option<Name>,
    pub class_code: Option<Code>,
    pub condition: Option<Code>,
    /// Its repair actions in the order they were recorded, results with their outcome.
    pub actions: Vec<ItemAction>,
}

/// An RMA request (with its declared devices) and the items found in its boxes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportedOrder {
    pub order: Order,
    pub items: Vec<ReportedItem>,
}

/// The rows of one RMA request: first one per item found in its boxes, in id order (an item a
/// declared device matched carries that device's complaint), then one per declared device no
/// item stands for, in the declared order. Matching is the reconciliation's
/// ([`reconcile`]); `declared` are the order's declared devices with the items they name.
pub fn service_rows(reported: &ReportedOrder, declared: &[DeclaredLookup]) -> Vec<ServiceRow> {
    let found: Vec<FoundItem> = reported.items.iter().map(|i| i.found.clone()).collect();
    let matching = reconcile(declared, &found);
    let complaint_of: HashMap<ItemId, &DeclaredDevice> = matching
        .matched
        .iter()
        .map(|m| (m.item, &m.device))
        .collect();
    let order = &reported.order;
    let mut items: Vec<&ReportedItem> = reported.items.iter().collect();
    items.sort_by_key(|i| i.found.id);
    items.dedup_by_key(|i| i.found.id);
    let mut rows = Vec::with_capacity(items.len() + matching.missing.len());
    for item in items {
        let device = complaint_of.get(&item.found.id).copied();
        let serial = item
            .found
            .serial
            .as_ref()
            .map(|s| s.as_str().to_owned())
            .or_else(|| device.map(|d| d.serial.as_str().to_owned()));
        let mut row = order_row(order, serial, device);
        fill_item(&mut row, item);
        rows.push(row);
    }
    for device in &matching.missing {
        rows.push(order_row(
            order,
            Some(device.serial.as_str().to_owned()),
            Some(device),
        ));
    }
    rows
}

fn text<const N: usize>(value: &Option<crate::text::Text<N>>) -> String {
    value
        .as_ref()
        .map(|t| t.as_str().to_owned())
        .unwrap_or_default()
}

/// A date as the report writes it: `YYYY-MM-DD`, in UTC.
fn date(at: Option<DateTime<Utc>>) -> String {
    at.map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// Non-empty parts joined by `between`.
fn joined<'a>(parts: impl IntoIterator<Item = &'a str>, between: &str) -> String {
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(between)
}

/// A row with the order's cells, the serial and the declared device's complaint; the item's
/// cells empty.
fn order_row(order: &Order, serial: Option<String>, device: Option<&DeclaredDevice>) -> ServiceRow {
    let customer = &order.customer;
    let mut row: ServiceRow = Default::default();
    row[0] = serial.unwrap_or_default();
    row[2] = date(order.received_at);
    row[3] = date(order.shipped_at);
    row[4] = joined(
        [customer.company.as_ref(), customer.person.as_ref()]
            .into_iter()
            .flatten()
            .map(|n| n.as_str()),
        ", ",
    );
    row[6] = text(&customer.email);
    row[7] = joined(
        [
            customer.street.as_ref().map(|s| s.as_str()),
            customer.house_number.as_ref().map(|s| s.as_str()),
        ]
        .into_iter()
        .flatten(),
        " ",
    );
    row[8] = text(&customer.postal_code);
    row[9] = text(&customer.city);
    row[10] = device.map(|d| text(&d.description)).unwrap_or_default();
    row[14] = text(&order.tracking_number);
    // 15 (invoice number) stays empty: no invoice number is recorded.
    // 20 (refurbished parts) stays empty: parts are not told apart yet.
    row
}

/// The item's own cells: model, SKU, condition, and its repair actions.
fn fill_item(row: &mut ServiceRow, item: &ReportedItem) {
    row[1] = text(&item.name);
    row[5] = text(&item.class_code);
    row[18] = text(&item.condition);
    let messages = |kind: ActionKind| {
        joined(
            item.actions
                .iter()
                .filter(|a| a.kind == kind)
                .map(|a| a.message.as_str()),
            JOINER,
        )
    };
    row[11] = messages(ActionKind::Check);
    row[12] = messages(ActionKind::Cause);
    row[16] = messages(ActionKind::Note);
    let results: Vec<&ItemAction> = item
        .actions
        .iter()
        .filter(|a| a.kind == ActionKind::Result)
        .collect();
    let described: Vec<String> = results
        .iter()
        .map(|a| match &a.result {
            Some(r) => format!("{}: {}", r.outcome.as_str(), a.message.as_str()),
            None => a.message.as_str().to_owned(),
        })
        .collect();
    row[13] = joined(described.iter().map(String::as_str), JOINER);
    let recorded: Vec<&RepairResult> = results.iter().filter_map(|a| a.result.as_ref()).collect();
    row[17] = match recorded.last() {
        Some(r) if r.warranty => "yes".into(),
        Some(_) => "no".into(),
        None => String::new(),
    };
    row[19] = joined(
        recorded
            .iter()
            .flat_map(|r| r.parts.iter().map(|p| p.as_str())),
        JOINER,
    );
}

/// Appends the start of the file: the byte order mark and the header row.
pub fn write_header(out: &mut String) {
    out.push(BOM);
    write_row(out, &COLUMNS);
}

/// Appends one row: its cells separated by [`SEPARATOR`], then [`LINE_END`].
pub fn write_row<S: AsRef<str>>(out: &mut String, cells: &[S]) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(SEPARATOR);
        }
        write_cell(out, cell.as_ref());
    }
    out.push_str(LINE_END);
}

/// Appends one cell. A cell a spreadsheet would read as a formula (starting with `=`, `+`,
/// `-` or `@`, or with a tab or carriage return, as OWASP lists them) gets a leading `'`, so
/// it shows as the text it is. A cell holding the separator, a quote, CR or LF is quoted, its
/// quotes doubled (RFC 4180).
pub fn write_cell(out: &mut String, cell: &str) {
    let neutralise = matches!(
        cell.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r')
    );
    let quote = cell.contains([SEPARATOR, '"', '\r', '\n']);
    if quote {
        out.push('"');
    }
    if neutralise {
        out.push('\'');
    }
    for ch in cell.chars() {
        if ch == '"' {
            out.push('"');
        }
        out.push(ch);
    }
    if quote {
        out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::meta::Meta;
    use crate::orders::{Customer, OrderStatus};
    use crate::repair::{Declared, DeclaredInput, Outcome, RepairResult};
    use crate::text::Note;
    use crate::{OrderId, repair::RMA_ORDER_BASE};

    fn cell(text: &str) -> String {
        let mut out = String::new();
        write_cell(&mut out, text);
        out
    }

    #[test]
    fn plain_cells_are_written_as_they_are() {
        for plain in [
            "",
            "Acme GmbH",
            "1234567",
            "a,b",
            "it's",
            "10 + 2",
            "a=b",
            "x-1",
        ] {
            assert_eq!(cell(plain), plain);
        }
    }

    #[test]
    fn cells_with_separators_quotes_or_line_breaks_are_quoted() {
        assert_eq!(cell("a;b"), "\"a;b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(cell("cr\rhere"), "\"cr\rhere\"");
        assert_eq!(cell("\""), "\"\"\"\"");
    }

    #[test]
    fn cells_that_would_start_a_formula_are_neutralised() {
        assert_eq!(cell("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
        assert_eq!(cell("+41 44 000"), "'+41 44 000");
        assert_eq!(cell("-5"), "'-5");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\tx"), "'\tx");
        // Neutralised and quoted: the mark goes inside the quotes.
        assert_eq!(cell("=1;2"), "\"'=1;2\"");
        assert_eq!(cell("\r=1"), "\"'\r=1\"");
        assert_eq!(cell("=\"x\""), "\"'=\"\"x\"\"\"");
    }

    #[test]
    fn the_file_starts_with_a_bom_and_the_header_and_rows_end_with_crlf() {
        let mut out = String::new();
        write_header(&mut out);
        write_row(&mut out, &["a", "b;c", "=d"]);
        assert!(
            out.as_bytes()
                .starts_with(b"\xEF\xBB\xBFSerial/part number;Model;In date;")
        );
        let lines: Vec<&str> = out.split_terminator("\r\n").collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].trim_start_matches(BOM).split(';').count(), 21);
        assert!(lines[0].ends_with(";New parts;Refurbished parts"));
        assert_eq!(lines[1], "a;\"b;c\";'=d");
        assert!(out.ends_with("\r\n"));
    }

    fn code(s: &str) -> Code {
        Code::new("code", s).unwrap()
    }

    fn action(kind: ActionKind, message: &str, result: Option<RepairResult>) -> ItemAction {
        ItemAction {
            kind,
            message: Note::new("message", message).unwrap(),
            at: Utc.with_ymd_and_hms(2026, 12, 8, 9, 0, 0).unwrap(),
            actor: "user:u1".into(),
            result,
        }
    }

    fn order() -> Order {
        let declared: Vec<DeclaredInput> = [
            ("SN-1", Some("no power")),
            ("SN-2", Some("cracked")),
            ("SN-3", None),
        ]
        .into_iter()
        .map(|(s, d)| DeclaredInput {
            serial: s.into(),
            description: d.map(Into::into),
        })
        .collect();
        Order {
            id: OrderId::new(RMA_ORDER_BASE + 1_765_101_600).unwrap(),
            reference: None,
            customer: Customer {
                company: Some(Name::new("company", "Acme GmbH").unwrap()),
                person: Some(Name::new("person", "Jane Doe").unwrap()),
                street: Some(Name::new("street", "Hauptstr.").unwrap()),
                house_number: Some(code("5")),
                postal_code: Some(code("10115")),
                city: Some(Name::new("city", "Berlin").unwrap()),
                email: Some(Name::new("email", "jane@acme.example").unwrap()),
                ..Customer::default()
            },
            status: OrderStatus::Shipped,
            tracking_number: Some(code("1Z999")),
            received_at: Some(Utc.with_ymd_and_hms(2026, 12, 7, 23, 30, 0).unwrap()),
            processed_at: None,
            shipped_at: Some(Utc.with_ymd_and_hms(2026, 12, 9, 8, 0, 0).unwrap()),
            public_fields: Default::default(),
            declared: Declared::new("declared", &declared).unwrap(),
            meta: Meta::new(Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()),
        }
    }

    fn lookups(order: &Order) -> Vec<DeclaredLookup> {
        order
            .declared
            .devices()
            .iter()
            .map(|d| DeclaredLookup {
                device: d.clone(),
                named_item: None,
            })
            .collect()
    }

    fn item(n: u64, serial: Option<&str>, barcodes: &[&str]) -> ReportedItem {
        ReportedItem {
            found: FoundItem {
                id: ItemId::new(n).unwrap(),
                serial: serial.map(code),
                barcodes: barcodes.iter().map(|b| code(b)).collect(),
            },
            name: Some(Name::new("name", "Scanner MC33").unwrap()),
            class_code: Some(code("MC33-SKU")),
            condition: None,
            actions: Vec::new(),
        }
    }

    #[test]
    fn a_request_gives_a_row_per_found_item_then_per_missing_device() {
        let mut repaired = item(7, None, &["sn-2"]);
        repaired.condition = Some(code("repaired"));
        let result = |parts: &[&str], warranty| {
            Some(
                RepairResult::new(
                    "parts",
                    Outcome::Repaired,
                    parts.iter().map(|p| (*p).to_owned()).collect(),
                    warranty,
                )
                .unwrap(),
            )
        };
        repaired.actions = vec![
            action(ActionKind::Check, "display dark", None),
            action(ActionKind::Note, "customer called", None),
            action(ActionKind::Check, "backlight dead", None),
            action(ActionKind::Cause, "dropped", None),
            action(
                ActionKind::Result,
                "display replaced",
                result(&["1x display"], true),
            ),
            action(
                ActionKind::Result,
                "retested",
                result(&["2x screw", "gasket"], false),
            ),
        ];
        let reported = ReportedOrder {
            order: order(),
            items: vec![
                repaired,
                item(3, Some("X-9"), &[]),
                item(5, Some("SN-1"), &[]),
            ],
        };
        let rows = service_rows(&reported, &lookups(&reported.order));
        let serials: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
        // Items in id order (3 undeclared, 5 matches SN-1, 7 matches SN-2 by its barcode and,
        // having no serial of its own, shows the declared one), then the missing SN-3.
        assert_eq!(serials, ["X-9", "SN-1", "SN-2", "SN-3"]);
        let complaints: Vec<&str> = rows.iter().map(|r| r[10].as_str()).collect();
        assert_eq!(complaints, ["", "no power", "cracked", ""]);
        let r = &rows[2];
        assert_eq!(
            r.clone(),
            [
                "SN-2",
                "Scanner MC33",
                "2026-12-07",
                "2026-12-09",
                "Acme GmbH, Jane Doe",
                "MC33-SKU",
                "jane@acme.example",
                "Hauptstr. 5",
                "10115",
                "Berlin",
                "cracked",
                "display dark | backlight dead",
                "dropped",
                "repaired: display replaced | repaired: retested",
                "1Z999",
                "",
                "customer called",
                "no",
                "repaired",
                "1x display | 2x screw | gasket",
                ""
            ]
            .map(String::from)
        );
        // The missing device has the order's cells and its own, nothing of an item.
        let missing = &rows[3];
        assert_eq!(missing[1], "");
        assert_eq!(missing[4], "Acme GmbH, Jane Doe");
        assert_eq!(missing[14], "1Z999");
        assert!(missing[11..14].iter().all(String::is_empty));
        // An item without results has no warranty.
        assert_eq!(rows[0][17], "");
    }

    #[test]
    fn a_declared_serial_stands_in_for_an_item_without_one_and_missing_parts_stay_empty() {
        let mut o = order();
        o.customer = Customer {
            person: Some(Name::new("person", "Jane Doe").unwrap()),
            house_number: Some(code("5")),
            ..Customer::default()
        };
        o.received_at = None;
        o.shipped_at = None;
        o.tracking_number = None;
        let reported = ReportedOrder {
            order: o,
            items: vec![item(4, None, &["SN-3"]), item(4, None, &["SN-3"])],
        };
        let rows = service_rows(&reported, &lookups(&reported.order));
        assert_eq!(rows.len(), 3, "the item once, then SN-1 and SN-2 missing");
        assert_eq!(rows[0][0], "SN-3");
        assert_eq!(rows[0][4], "Jane Doe");
        assert_eq!(rows[0][7], "5");
        assert!(rows[0][2].is_empty() && rows[0][3].is_empty());
        let result_without_outcome = ReportedOrder {
            order: order(),
            items: vec![ReportedItem {
                actions: vec![action(ActionKind::Result, "done", None)],
                ..item(9, Some("Q"), &[])
            }],
        };
        let rows = service_rows(&result_without_outcome, &[]);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0][13], "done");
        assert_eq!(rows[0][17], "", "no recorded warranty flag");
    }
}
