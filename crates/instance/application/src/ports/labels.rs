//! Labels: printed label runs, what they name, and the instance's identity (its keys).

use chrono::{DateTime, Utc};
use eckwms_domain::{IdKind, ObjectId};
#[cfg(feature = "mock")]
use mockall::automock;

use crate::error::AppResult;

/// A label sheet printed, as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelPrint {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub kind: IdKind,
    pub reprint: bool,
    pub format: String,
    pub objects: Vec<ObjectId>,
}

/// What a label shows besides its codes: the place's rack and cell, when it has one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelSubject {
    pub id: ObjectId,
    pub caption: Option<String>,
}

#[cfg_attr(feature = "mock", automock)]
pub trait LabelRepository: Send + Sync {
    /// Allocates `count` fresh ids of `kind` and records the print, in one transaction.
    fn allocate_and_record(
        &self,
        kind: IdKind,
        count: usize,
        format: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> AppResult<LabelPrint>;
    /// Records a reprint of existing ids.
    fn record_reprint(
        &self,
        kind: IdKind,
        ids: &[ObjectId],
        format: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> AppResult<LabelPrint>;
    /// The caption of each id: rack and cell of places, a user's display name; ids that do not
    /// exist are left out.
    fn label_subjects(&self, ids: &[ObjectId]) -> AppResult<Vec<LabelSubject>>;
}

/// This instance's identity: a UUID and an Ed25519 key pair.
#[derive(Clone, PartialEq, Eq)]
pub struct InstanceIdentity {
    pub instance_id: String,
    /// 32 bytes.
    pub public_key: Vec<u8>,
    /// 32 bytes; never logged, never returned.
    pub secret_key: Vec<u8>,
}

impl std::fmt::Debug for InstanceIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstanceIdentity")
            .field("instance_id", &self.instance_id)
            .field("public_key", &self.public_key)
            .finish_non_exhaustive()
    }
}

#[cfg_attr(feature = "mock", automock)]
pub trait IdentityRepository: Send + Sync {
    /// Stores `candidate` unless an identity exists; returns the stored one (atomic, also
    /// across processes).
    fn identity_or_insert(
        &self,
        candidate: &InstanceIdentity,
        at: DateTime<Utc>,
    ) -> AppResult<InstanceIdentity>;
}
