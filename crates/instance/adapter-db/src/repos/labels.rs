//! The labels' ports: printed labels and the instance's identity.

use chrono::{DateTime, Utc};
use eckwms_application::AppResult;
use eckwms_application::ports::{
    IdentityRepository, InstanceIdentity, LabelPrint, LabelRepository, LabelSubject,
};
use eckwms_domain::{IdKind, ObjectId};

use crate::pool::Database;
use crate::tx::{read_tx, write_tx};

impl LabelRepository for Database {
    fn allocate_and_record(
        &self,
        kind: IdKind,
        count: usize,
        format: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> AppResult<LabelPrint> {
        write_tx!(self, None, allocate_labels(kind, count, format, actor, at))
    }
    fn record_reprint(
        &self,
        kind: IdKind,
        ids: &[ObjectId],
        format: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> AppResult<LabelPrint> {
        write_tx!(self, None, record_reprint(kind, ids, format, actor, at))
    }
    fn label_subjects(&self, ids: &[ObjectId]) -> AppResult<Vec<LabelSubject>> {
        read_tx!(self, label_subjects(ids))
    }
}

impl IdentityRepository for Database {
    fn identity_or_insert(
        &self,
        candidate: &InstanceIdentity,
        at: DateTime<Utc>,
    ) -> AppResult<InstanceIdentity> {
        write_tx!(self, None, identity_or_insert(candidate, at))
    }
}
