//! The events' port: the ledger as a stream, read outside any transaction (the horizon needs
//! one of its own on PostgreSQL, then the rows are read after it; see `sql/events.rs`).

use eckwms_application::AppResult;
use eckwms_application::ports::{EventPage, EventQuery, EventRepository};

use crate::pool::Database;
use eckwms_db_kit::on_conn;

impl EventRepository for Database {
    fn events_after(&self, query: &EventQuery) -> AppResult<EventPage> {
        on_conn!(self, events_after(&self.ledger_horizon, query))
    }
}
