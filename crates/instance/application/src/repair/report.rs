//! The service report of RMA requests (reference section 7), made page by page so that its
//! reader can stream it: each page is one read of the repository, turned into CSV rows here
//! (`eckwms_domain::repair::report` writes them).

use eckwms_codes::ids::serial_item;
use eckwms_domain::OrderId;
use eckwms_domain::access::Permission;
use eckwms_domain::repair::reconcile::DeclaredLookup;
use eckwms_domain::repair::report::{service_rows, write_header, write_row};

use super::RepairService;
use crate::access::Actor;
use crate::error::AppResult;
use crate::ports::ServiceReportFilter;

/// The rows one page may hold, counted as items plus declared devices (more than its rows
/// can be). A single request of more is read alone: at most
/// [`MAX_FOUND_ITEMS`](eckwms_domain::repair::reconcile::MAX_FOUND_ITEMS) items and
/// [`MAX_DECLARED`](eckwms_domain::repair::MAX_DECLARED) devices. What a page holds in memory
/// is bounded by this, whatever the length of the report.
pub const REPORT_PAGE_ROWS: usize = 4096;

/// The most requests one page reads.
pub const REPORT_PAGE_ORDERS: usize = 256;

/// The requests the first page tries; later pages try about as many as the previous one
/// took, so that a page of large requests does not size up many more than it takes.
const FIRST_PAGE_ORDERS: usize = 16;

/// Where the next page of a report starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReportCursor {
    /// The last request of the previous page; `None` for the first page.
    after: Option<OrderId>,
    /// The requests this page tries.
    orders: usize,
}

impl ReportCursor {
    /// The first page: the one that starts with the byte order mark and the header.
    pub fn start() -> Self {
        Self {
            after: None,
            orders: FIRST_PAGE_ORDERS,
        }
    }

    /// The last request of the previous page.
    pub fn after(&self) -> Option<OrderId> {
        self.after
    }
}

/// One page of the report as CSV text, and where the next starts (`None`: this was the last).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportChunk {
    pub csv: String,
    pub next: Option<ReportCursor>,
}

impl RepairService {
    /// A page of the service report: from [`ReportCursor::start`] (the byte order mark and
    /// the header first), then from each chunk's `next` until it is `None`. One row per device
    /// of each request: the items found in its boxes (id order), then the declared devices
    /// that are missing (declared order), requests in id order; matching is the
    /// reconciliation's. Needs [`Permission::ReportsExport`]. Each page is read on its own:
    /// the report is not one snapshot (a request changed while it is made shows as its page
    /// read it; none is written twice or skipped, since pages follow the ids).
    pub fn service_report(
        &self,
        actor: &Actor,
        filter: &ServiceReportFilter,
        cursor: ReportCursor,
    ) -> AppResult<ReportChunk> {
        actor.require(Permission::ReportsExport)?;
        let page = self.ports.repair.service_report_page(
            filter,
            cursor.after,
            cursor.orders,
            REPORT_PAGE_ROWS,
        )?;
        let mut csv = String::new();
        if cursor.after.is_none() {
            write_header(&mut csv);
        }
        for reported in &page.orders {
            let declared: Vec<DeclaredLookup> = reported
                .order
                .declared
                .devices()
                .iter()
                .map(|device| DeclaredLookup {
                    named_item: serial_item(device.serial.as_str()),
                    device: device.clone(),
                })
                .collect();
            for row in service_rows(reported, &declared) {
                write_row(&mut csv, &row);
            }
        }
        let taken = page.orders.len();
        let next = match page.orders.last() {
            Some(last) if page.more => Some(ReportCursor {
                after: Some(last.order.id),
                // All tried fit: try twice as many; else about as many as fitted.
                orders: if taken >= cursor.orders {
                    cursor.orders.saturating_mul(2)
                } else {
                    taken + 1
                }
                .clamp(1, REPORT_PAGE_ORDERS),
            }),
            _ => None,
        };
        Ok(ReportChunk { csv, next })
    }
}
