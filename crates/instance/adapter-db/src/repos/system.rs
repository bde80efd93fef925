//! The system port: health and pending migrations.

use eckwms_application::AppResult;
use eckwms_application::ports::HealthRepository;

use crate::pool::Database;
use eckwms_db_kit::on_conn;

impl HealthRepository for Database {
    fn ping(&self) -> AppResult<()> {
        on_conn!(self, ping())
    }
    fn pending_migrations(&self) -> AppResult<Vec<String>> {
        self.ping()?;
        self.pending().map_err(Into::into)
    }
    fn backend(&self) -> &'static str {
        self.backend_name()
    }
}
