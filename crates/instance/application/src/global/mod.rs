//! The global wing: this instance's link to the global service. `eckwms global enroll`
//! registers the instance once (an enrollment token) and stores the key it gets; from then on
//! each heartbeat reports where the instance listens and publishes its scanners, so that the
//! global service's records of them follow the instance's (the instance is their source of
//! truth).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use eckwms_domain::global::GlobalUrl;

use crate::error::AppError;
use crate::ports::{
    Clock, DeviceFilter, DeviceRepository, GlobalCallError, GlobalClient, GlobalLink,
    GlobalLinkRepository, InstanceIdentitySource, InstanceReport, LanAddresses, PageQuery,
    PublishedDevice,
};

#[cfg(test)]
mod tests;

/// The most LAN addresses the global service takes in one report.
pub const MAX_LOCAL_IPS: usize = 16;

/// Scanners read per page when they are published.
const DEVICE_PAGE: u32 = 500;

/// Why enrolling or a heartbeat did not happen. Its text is what the operator reads (the
/// command line prints it; `serve` logs it), and never holds the key.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error(
        "this instance is enrolled with {url} already (since {since}); --force enrolls it again"
    )]
    AlreadyEnrolled { url: String, since: DateTime<Utc> },
    #[error("this instance is not enrolled with a global service (eckwms global enroll)")]
    NotEnrolled,
    #[error("--url {0}")]
    InvalidUrl(&'static str),
    #[error("--token must be the enrollment token of `eckwms-global instance enroll`")]
    InvalidToken,
    #[error(transparent)]
    Global(#[from] GlobalCallError),
    #[error(transparent)]
    App(#[from] AppError),
}

/// What enrolling did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Enrolled {
    pub instance_id: String,
    pub url: GlobalUrl,
    /// True when an earlier enrollment was replaced (`--force`).
    pub replaced: bool,
}

/// What a heartbeat sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Beat {
    /// The scanners published with it.
    pub devices: usize,
}

/// The ports of the global wing.
#[derive(Clone)]
pub struct GlobalPorts {
    pub links: Arc<dyn GlobalLinkRepository>,
    pub devices: Arc<dyn DeviceRepository>,
    pub identity: Arc<dyn InstanceIdentitySource>,
    pub client: Arc<dyn GlobalClient>,
    pub addresses: Arc<dyn LanAddresses>,
    pub clock: Arc<dyn Clock>,
}

#[derive(Clone)]
pub struct GlobalLinkService {
    ports: GlobalPorts,
    /// The port reported with the LAN addresses.
    port: u16,
}

impl GlobalLinkService {
    pub fn new(ports: GlobalPorts, port: u16) -> Self {
        Self { ports, port }
    }

    /// The same service reporting `port` (known once the server listens).
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Registers this instance with the global service at `url` with an enrollment token,
    /// and stores the URL and the key it issues. Refused when the instance is enrolled
    /// already, unless `force`; nothing is stored when the global service refuses.
    pub fn enroll(&self, url: &str, token: &str, force: bool) -> Result<Enrolled, LinkError> {
        let url = GlobalUrl::parse(url).map_err(LinkError::InvalidUrl)?;
        let token = token.trim();
        if token.is_empty() || token.len() > 200 || !token.chars().all(|c| c.is_ascii_graphic()) {
            return Err(LinkError::InvalidToken);
        }
        let existing = self.ports.links.global_link()?;
        if let Some(link) = &existing
            && !force
        {
            return Err(LinkError::AlreadyEnrolled {
                url: link.url.to_string(),
                since: link.enrolled_at,
            });
        }
        let report = self.report()?;
        let key = self.ports.client.register(&url, token, &report)?;
        self.ports.links.save_global_link(&GlobalLink {
            url: url.clone(),
            key,
            enrolled_at: self.ports.clock.now(),
        })?;
        tracing::info!(instance_id = %report.instance_id, global = %url, "enrolled with the global service");
        Ok(Enrolled {
            instance_id: report.instance_id,
            url,
            replaced: existing.is_some(),
        })
    }

    /// The stored enrollment's URL, if the instance is enrolled.
    pub fn enrolled_with(&self) -> Result<Option<GlobalUrl>, LinkError> {
        Ok(self.ports.links.global_link()?.map(|l| l.url))
    }

    /// One heartbeat: reports the instance's addresses and port, then publishes every
    /// scanner with its key and status.
    pub fn beat(&self) -> Result<Beat, LinkError> {
        let link = self
            .ports
            .links
            .global_link()?
            .ok_or(LinkError::NotEnrolled)?;
        let report = self.report()?;
        self.ports.client.heartbeat(&link.url, &link.key, &report)?;
        let devices = self.devices()?;
        self.ports
            .client
            .publish_devices(&link.url, &link.key, &devices)?;
        Ok(Beat {
            devices: devices.len(),
        })
    }

    fn report(&self) -> Result<InstanceReport, LinkError> {
        let (instance_id, public_key) = self.ports.identity.id_and_key()?;
        let mut local_ips = Vec::new();
        for ip in self.ports.addresses.lan_addresses() {
            if !local_ips.contains(&ip) && local_ips.len() < MAX_LOCAL_IPS {
                local_ips.push(ip);
            }
        }
        Ok(InstanceReport {
            instance_id,
            server_public_key: hex::encode(public_key),
            local_ips,
            port: self.port,
        })
    }

    /// Every scanner of the instance, page by page.
    fn devices(&self) -> Result<Vec<PublishedDevice>, LinkError> {
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let page = self.ports.devices.list_devices(
                &DeviceFilter::default(),
                &PageQuery {
                    after: after.clone(),
                    limit: DEVICE_PAGE,
                },
            )?;
            let full = page.len() >= DEVICE_PAGE as usize;
            after = page.last().map(|d| d.id.clone());
            all.extend(page.into_iter().map(|d| PublishedDevice {
                id: d.id,
                name: d.name.as_str().to_owned(),
                public_key: d.public_key,
                status: d.status,
            }));
            if !full {
                return Ok(all);
            }
        }
    }
}

/// The identity the labels wing keeps is the one the global service knows the instance by.
impl InstanceIdentitySource for crate::LabelService {
    fn id_and_key(&self) -> crate::error::AppResult<(String, Vec<u8>)> {
        let identity = self.identity()?;
        Ok((identity.instance_id, identity.public_key))
    }
}
