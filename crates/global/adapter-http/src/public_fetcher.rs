//! The [`PublicFetcher`] port over the proxy crate's bounded `GET`: the instance's registered
//! address under the proxy's address policy, the signature headers, 200 or 404 understood,
//! anything else `Unavailable`.

use eckwms_global_application::ports::{Fetched, PublicFetch, PublicFetcher};
use eckwms_global_application::{AppError, AppResult};
use eckwms_global_domain::public::{SIGNATURE_HEADER, TIMESTAMP_HEADER};
use eckwms_global_proxy::AddressPolicy;
use eckwms_global_proxy::fetch::{self, FetchLimits};

/// Largest public view accepted from an instance, with its headers.
pub const MAX_PUBLIC_RESPONSE: usize = 64 * 1024;

#[derive(Clone, Debug)]
pub struct HttpPublicFetcher {
    policy: AddressPolicy,
    limits: FetchLimits,
}

impl HttpPublicFetcher {
    pub fn new(policy: AddressPolicy, limits: FetchLimits) -> Self {
        Self { policy, limits }
    }
}

impl PublicFetcher for HttpPublicFetcher {
    fn fetch(&self, r: &PublicFetch) -> AppResult<Fetched> {
        let timestamp = r.timestamp.to_string();
        let answer = fetch::get(
            &self.policy,
            r.ip,
            r.port,
            &r.path,
            &[
                (TIMESTAMP_HEADER, timestamp.as_str()),
                (SIGNATURE_HEADER, r.signature.as_str()),
            ],
            self.limits,
        )
        .map_err(|e| AppError::Unavailable(anyhow::anyhow!("fetching a public view: {e}")))?;
        match answer.status {
            200 => Ok(Fetched::Body(answer.body)),
            404 => Ok(Fetched::NotFound),
            status => Err(AppError::Unavailable(anyhow::anyhow!(
                "the instance answered {status} to a public view request"
            ))),
        }
    }
}
