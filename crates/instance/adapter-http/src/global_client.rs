//! The calls this instance makes to the global service ([`GlobalClient`]) over awc with
//! rustls (Mozilla's root certificates compiled in, so nothing depends on the host's
//! certificate store), and the host's LAN addresses ([`LanAddresses`]).
//!
//! The application's ports are synchronous: each call runs its exchange on a thread of its
//! own with a one-off actix system, so it may be made from any thread (the command line, the
//! heartbeat's thread, a blocking pool). One exchange a minute does not need a pool.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::Method;
use eckwms_application::ports::{
    GlobalCallError, GlobalClient, GlobalProblem, InstanceReport, LanAddresses, PublishedDevice,
};
use eckwms_domain::global::{GlobalUrl, InstanceKey};
use serde::{Deserialize, Serialize};

/// Largest answer read from the global service.
const MAX_ANSWER: usize = 256 * 1024;

/// The global service's instance routes, over HTTP(S).
#[derive(Clone)]
pub struct HttpGlobalClient {
    timeout: Duration,
    tls: Arc<rustls::ClientConfig>,
}

impl HttpGlobalClient {
    /// `timeout`: for connecting, and again for the whole exchange.
    pub fn new(timeout: Duration) -> anyhow::Result<Self> {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Self {
            timeout,
            tls: Arc::new(tls),
        })
    }

    /// One exchange: `body` as JSON, the answer's status and body.
    fn exchange(
        &self,
        method: Method,
        url: String,
        credential: (&'static str, String),
        body: serde_json::Value,
    ) -> Result<(u16, Vec<u8>), GlobalCallError> {
        self.exchange_limited(method, url, credential, body, MAX_ANSWER)
    }

    /// [`Self::exchange`] reading an answer of up to `max_answer` bytes.
    pub(crate) fn exchange_limited(
        &self,
        method: Method,
        url: String,
        credential: (&'static str, String),
        body: serde_json::Value,
        max_answer: usize,
    ) -> Result<(u16, Vec<u8>), GlobalCallError> {
        let tls = self.tls.clone();
        let timeout = self.timeout;
        let run = move || {
            actix_web::rt::System::new().block_on(async move {
                let client = awc::Client::builder()
                    .connector(awc::Connector::new().rustls_0_23(tls).timeout(timeout))
                    .timeout(timeout)
                    .disable_redirects()
                    .finish();
                let mut answer = client
                    .request(method, url.as_str())
                    .insert_header(credential)
                    .insert_header(("User-Agent", "eckwms"))
                    .send_json(&body)
                    .await
                    .map_err(|e| GlobalCallError::Unreachable(format!("{url}: {e}")))?;
                let status = answer.status().as_u16();
                let bytes = answer
                    .body()
                    .limit(max_answer)
                    .await
                    .map_err(|e| GlobalCallError::Unreachable(format!("{url}: {e}")))?;
                Ok((status, bytes.to_vec()))
            })
        };
        std::thread::scope(|s| {
            s.spawn(run).join().unwrap_or_else(|_| {
                Err(GlobalCallError::Unreachable(
                    "the exchange with the global service failed".into(),
                ))
            })
        })
    }

    /// The answer if its status is `expected`, else the problem it carries.
    pub(crate) fn expect(
        answer: (u16, Vec<u8>),
        expected: u16,
    ) -> Result<Vec<u8>, GlobalCallError> {
        let (status, body) = answer;
        if status == expected {
            return Ok(body);
        }
        #[derive(Deserialize, Default)]
        struct Problem {
            #[serde(default)]
            code: String,
            #[serde(default)]
            detail: String,
        }
        let problem: Problem = serde_json::from_slice(&body).unwrap_or_default();
        Err(GlobalCallError::Refused(GlobalProblem {
            status,
            code: problem.code,
            detail: problem.detail,
        }))
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportIn<'a> {
    instance_id: &'a str,
    server_public_key: &'a str,
    local_ips: Vec<String>,
    port: u16,
}

fn report_body(report: &InstanceReport) -> serde_json::Value {
    serde_json::json!(ReportIn {
        instance_id: &report.instance_id,
        server_public_key: &report.server_public_key,
        local_ips: report.local_ips.iter().map(ToString::to_string).collect(),
        port: report.port,
    })
}

pub(crate) fn bearer(key: &InstanceKey) -> (&'static str, String) {
    ("Authorization", format!("Bearer {}", key.expose()))
}

impl GlobalClient for HttpGlobalClient {
    fn register(
        &self,
        url: &GlobalUrl,
        token: &str,
        report: &InstanceReport,
    ) -> Result<InstanceKey, GlobalCallError> {
        let answer = self.exchange(
            Method::POST,
            format!("{url}/ECK/API/INTERNAL/REGISTER-INSTANCE"),
            ("X-Enrollment-Token", token.to_owned()),
            report_body(report),
        )?;
        let body = Self::expect(answer, 201)?;
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Registered {
            api_key: String,
        }
        let registered: Registered = serde_json::from_slice(&body).map_err(|e| {
            GlobalCallError::Unreachable(format!(
                "the registration's answer is not understood: {e}"
            ))
        })?;
        InstanceKey::parse(&registered.api_key)
            .map_err(|e| GlobalCallError::Unreachable(format!("the registration's key {e}")))
    }

    fn heartbeat(
        &self,
        url: &GlobalUrl,
        key: &InstanceKey,
        report: &InstanceReport,
    ) -> Result<(), GlobalCallError> {
        let answer = self.exchange(
            Method::POST,
            format!("{url}/ECK/API/INTERNAL/REGISTER-INSTANCE"),
            bearer(key),
            report_body(report),
        )?;
        Self::expect(answer, 200).map(drop)
    }

    fn publish_devices(
        &self,
        url: &GlobalUrl,
        key: &InstanceKey,
        devices: &[PublishedDevice],
    ) -> Result<(), GlobalCallError> {
        let devices: Vec<serde_json::Value> = devices
            .iter()
            .map(|d| {
                serde_json::json!({
                    "deviceId": d.id.as_str(),
                    "deviceName": d.name,
                    "devicePublicKey": d.public_key.as_str(),
                    "status": d.status.as_str(),
                })
            })
            .collect();
        let answer = self.exchange(
            Method::PUT,
            format!("{url}/ECK/API/INTERNAL/DEVICES"),
            bearer(key),
            serde_json::json!({ "devices": devices }),
        )?;
        Self::expect(answer, 200).map(drop)
    }
}

/// The LAN addresses reported to the global service: those configured, or else the host's
/// interfaces' addresses that a scanner on the LAN could reach (no loopback, no link-local,
/// no multicast), read at every heartbeat so that a new DHCP lease is reported.
#[derive(Clone, Debug, Default)]
pub struct HostAddresses {
    configured: Vec<IpAddr>,
}

impl HostAddresses {
    /// `configured`: empty to detect them.
    pub fn new(configured: Vec<IpAddr>) -> Self {
        Self { configured }
    }
}

/// Whether a scanner on the LAN could reach `ip`.
pub fn is_lan_candidate(ip: &IpAddr) -> bool {
    let link_local = match ip {
        IpAddr::V4(v4) => v4.is_link_local() || v4.is_broadcast(),
        IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80,
    };
    !(ip.is_loopback() || ip.is_unspecified() || ip.is_multicast() || link_local)
}

impl LanAddresses for HostAddresses {
    fn lan_addresses(&self) -> Vec<IpAddr> {
        if !self.configured.is_empty() {
            return self.configured.clone();
        }
        match if_addrs::get_if_addrs() {
            Ok(interfaces) => {
                let mut ips: Vec<IpAddr> = interfaces
                    .iter()
                    .map(|i| i.ip())
                    .filter(is_lan_candidate)
                    .collect();
                // IPv4 first: most scanners reach the instance by it.
                ips.sort_by_key(|ip| ip.is_ipv6());
                ips
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not read the host's network interfaces");
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_addresses_a_scanner_could_reach_are_lan_candidates() {
        for good in [
            "192.168.1.5",
            "10.0.0.7",
            "203.0.113.9",
            "fd00::5",
            "2001:db8::1",
        ] {
            assert!(is_lan_candidate(&good.parse().unwrap()), "{good}");
        }
        for bad in [
            "127.0.0.1",
            "::1",
            "169.254.3.4",
            "fe80::1",
            "0.0.0.0",
            "224.0.0.1",
        ] {
            assert!(!is_lan_candidate(&bad.parse().unwrap()), "{bad}");
        }
    }

    #[test]
    fn configured_addresses_win() {
        let ip: IpAddr = "192.168.7.7".parse().unwrap();
        assert_eq!(HostAddresses::new(vec![ip]).lan_addresses(), vec![ip]);
    }

    #[test]
    fn a_refusal_carries_the_global_services_problem() {
        let body = br#"{"code":"enrollment_token_invalid","detail":"the enrollment token is not valid","status":401}"#;
        let e = HttpGlobalClient::expect((401, body.to_vec()), 201).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the global service refused: 401 enrollment_token_invalid: the enrollment token is not valid"
        );
        let e = HttpGlobalClient::expect((502, b"<html>".to_vec()), 200).unwrap_err();
        assert_eq!(e.to_string(), "the global service refused: HTTP 502");
    }

    #[test]
    fn nothing_listens_is_unreachable() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let client = HttpGlobalClient::new(Duration::from_secs(2)).unwrap();
        let url = GlobalUrl::parse(&format!("http://127.0.0.1:{port}")).unwrap();
        let key = InstanceKey::parse("ecki_x_secret").unwrap();
        let e = client.publish_devices(&url, &key, &[]).unwrap_err();
        assert!(matches!(e, GlobalCallError::Unreachable(_)), "{e}");
        assert!(!e.to_string().contains("secret"), "{e}");
    }
}
