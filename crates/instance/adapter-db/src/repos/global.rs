//! The global wing's port: the stored enrollment with the global service.

use eckwms_application::AppResult;
use eckwms_application::ports::{GlobalLink, GlobalLinkRepository};
use eckwms_db_kit::on_conn;

use crate::pool::Database;
use crate::tx::write_tx;

impl GlobalLinkRepository for Database {
    fn global_link(&self) -> AppResult<Option<GlobalLink>> {
        on_conn!(self, global_link())
    }
    fn save_global_link(&self, link: &GlobalLink) -> AppResult<()> {
        write_tx!(self, None, save_global_link(link))
    }
}
