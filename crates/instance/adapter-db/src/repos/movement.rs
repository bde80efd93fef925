//! The movement's ports: where objects are, what a container holds, and the ledger.

use std::collections::BTreeMap;

use eckwms_application::AppResult;
use eckwms_application::ports::{
    ContentEntry, LedgerRepository, Location, MoveRepository, PageQuery,
};
use eckwms_domain::{LedgerEntry, Movable, ObjectId, Parent, Replay, State};

use crate::pool::Database;
use crate::tx::read_tx;
use eckwms_db_kit::on_conn;

impl MoveRepository for Database {
    fn contents(
        &self,
        container: Parent,
        recursive: bool,
        page: &PageQuery<ObjectId>,
    ) -> AppResult<Vec<ContentEntry>> {
        on_conn!(self, contents(container, recursive, page))
    }
    fn location(&self, object: Movable) -> AppResult<Location> {
        read_tx!(self, location(object))
    }
}

impl LedgerRepository for Database {
    fn history(&self, object: ObjectId, page: &PageQuery<i64>) -> AppResult<Vec<LedgerEntry>> {
        read_tx!(self, history(object, page))
    }
    fn object_known(&self, object: ObjectId) -> AppResult<bool> {
        on_conn!(self, object_known(object))
    }
    fn snapshot_for_verify(&self, replay: &mut Replay) -> AppResult<BTreeMap<ObjectId, State>> {
        read_tx!(self, snapshot_for_verify(replay))
    }
    fn head(&self) -> AppResult<i64> {
        on_conn!(self, ledger_head())
    }
}
