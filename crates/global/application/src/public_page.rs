//! The public label page: decode a label to its owner and object, then show what the owner
//! marks public, fetched from the instance by a signed request and cached.
//!
//! Cache rules (the cache is the database, so every process of the service shares it):
//! - an entry younger than its TTL answers alone (`ttl` for a view, `negative_ttl` for "nothing
//!   public");
//! - otherwise the instance is asked; its answer replaces the entry;
//! - when the instance cannot be asked or answers badly, a cached view of any age is shown
//!   (stale), a cached "nothing public" stays a 404, and without an entry the page says the
//!   object is not available right now.

use std::sync::Arc;

use chrono::Duration;
use eckwms_global_domain::labels::LabelRing;
use eckwms_global_domain::public::{GlobalIdentity, PublicView};
use eckwms_global_domain::{InstanceId, InstanceStatus};

use crate::error::AppResult;
use crate::ports::{
    CachedView, Clock, Fetched, IdentityRepository, InstanceRepository, PublicFetch, PublicFetcher,
    PublicViewRepository, SecretSource,
};

/// How long answers stay fresh, and how long entries are kept at all.
#[derive(Clone, Copy, Debug)]
pub struct PublicPageSettings {
    pub ttl: Duration,
    pub negative_ttl: Duration,
    /// Entries older than this are deleted by retention (stale views are shown until then).
    pub keep: Duration,
}

impl Default for PublicPageSettings {
    fn default() -> Self {
        Self {
            ttl: Duration::seconds(60),
            negative_ttl: Duration::seconds(10),
            keep: Duration::days(7),
        }
    }
}

/// What the page shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicPage {
    /// The public view; `stale` when the instance could not be asked and an older copy is
    /// shown.
    Found { view: PublicView, stale: bool },
    /// Not a label we know, an unknown or disabled instance, an unknown object, or nothing
    /// public: one answer for all of them.
    NotFound,
    /// The instance could not be asked and nothing is cached.
    Unavailable,
}

/// The path of an object's public view on its instance.
pub fn public_path(object_id: &str) -> String {
    format!("/ECK/API/PUBLIC/{object_id}")
}

/// Loads the global identity, making it on first use.
pub fn load_identity(
    repo: &dyn IdentityRepository,
    secrets: &dyn SecretSource,
    clock: &dyn Clock,
) -> AppResult<GlobalIdentity> {
    let candidate = GlobalIdentity::from_seed(&secrets.random()?);
    repo.identity_or_insert(&candidate, clock.now())
}

#[derive(Clone)]
pub struct PublicPageService {
    ring: Arc<LabelRing>,
    instances: Arc<dyn InstanceRepository>,
    views: Arc<dyn PublicViewRepository>,
    fetcher: Arc<dyn PublicFetcher>,
    clock: Arc<dyn Clock>,
    identity: Arc<GlobalIdentity>,
    settings: PublicPageSettings,
}

impl PublicPageService {
    pub fn new(
        ring: Arc<LabelRing>,
        instances: Arc<dyn InstanceRepository>,
        views: Arc<dyn PublicViewRepository>,
        fetcher: Arc<dyn PublicFetcher>,
        clock: Arc<dyn Clock>,
        identity: Arc<GlobalIdentity>,
        settings: PublicPageSettings,
    ) -> Self {
        Self {
            ring,
            instances,
            views,
            fetcher,
            clock,
            identity,
            settings,
        }
    }

    /// The hex public key instances configure as `global.public_key`.
    pub fn public_key_hex(&self) -> String {
        self.identity.public_key_hex()
    }

    /// The page of a label text. Only database failures are errors.
    pub fn page(&self, label: &str) -> AppResult<PublicPage> {
        let Some((instance_id, object)) = self.ring.decode(label) else {
            return Ok(PublicPage::NotFound);
        };
        let Some(stored) = self.instances.find(&instance_id)? else {
            return Ok(PublicPage::NotFound);
        };
        let instance = stored.instance;
        if instance.status != InstanceStatus::Active {
            return Ok(PublicPage::NotFound);
        }
        let object_id = object.to_string();
        let now = self.clock.now();
        let cached = self.views.find_view(&instance_id, &object_id)?;
        if let Some(entry) = &cached {
            let ttl = match entry.view {
                Some(_) => self.settings.ttl,
                None => self.settings.negative_ttl,
            };
            // A clock that went back counts as fresh, not as a reason to ask again at once.
            if now - entry.fetched_at < ttl {
                return Ok(found(entry.view.clone(), false));
            }
        }
        match self.fetch(
            &instance_id,
            instance.public_addr,
            instance.port,
            &object_id,
            now,
        ) {
            Ok(view) => {
                self.views.store_view(&CachedView {
                    instance_id,
                    object_id,
                    view: view.clone(),
                    fetched_at: now,
                })?;
                Ok(found(view, false))
            }
            Err(reason) => {
                tracing::warn!(instance = %instance_id, object = %object_id, %reason,
                    stale = cached.is_some(), "public view not fetched");
                Ok(match cached {
                    Some(entry) => found(entry.view, true),
                    None => PublicPage::Unavailable,
                })
            }
        }
    }

    /// Asks the instance; `Ok(None)`: nothing public. `Err`: why it could not be asked.
    fn fetch(
        &self,
        instance: &InstanceId,
        ip: Option<std::net::IpAddr>,
        port: u16,
        object_id: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<PublicView>, String> {
        let ip = ip.ok_or("the instance has no registered public address")?;
        let path = public_path(object_id);
        let timestamp = now.timestamp();
        let signature = self
            .identity
            .sign_request("GET", &path, timestamp, instance);
        let answer = self
            .fetcher
            .fetch(&PublicFetch {
                ip,
                port,
                path,
                timestamp,
                signature,
            })
            .map_err(|e| e.to_string())?;
        match answer {
            Fetched::NotFound => Ok(None),
            Fetched::Body(bytes) => PublicView::from_json(&bytes)
                .map(Some)
                .map_err(|e| format!("the instance's answer was refused: {e}")),
        }
    }

    /// Deletes cache entries older than the kept age; how many.
    pub fn purge(&self) -> AppResult<u64> {
        self.views
            .purge_views(self.clock.now() - self.settings.keep)
    }
}

fn found(view: Option<PublicView>, stale: bool) -> PublicPage {
    match view {
        Some(view) => PublicPage::Found { view, stale },
        None => PublicPage::NotFound,
    }
}
