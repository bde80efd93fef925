//! The delivery of webhooks ([`HttpWebhookSender`]): one signed POST of a batch of events,
//! over awc with rustls (Mozilla's roots compiled in).
//!
//! A subscription's host is data an administrator typed, and a name can resolve anywhere
//! (and differently from one lookup to the next). So the host is resolved here, every address
//! it resolves to is checked against the address policy (one refused address refuses the
//! delivery), and the connection goes to those checked addresses and no others: the
//! connector is handed them, so nothing resolves the name a second time (no DNS rebinding
//! between the check and the connection). TLS still verifies the certificate for the name.

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::http::Uri;
use awc::error::SendRequestError;
use eckwms_address_policy::AddressPolicy;
use eckwms_application::ports::{WebhookBatch, WebhookSender};
use eckwms_domain::webhooks::SIGNATURE_HEADER;
use eckwms_domain::{WebhookSecret, WebhookUrl};
use futures_util::future::LocalBoxFuture;
use serde::Serialize;

use crate::routes::events::EventOut;

/// Largest answer read from a receiver (its body is not used; it is read to reuse nothing).
const MAX_ANSWER: usize = 64 * 1024;

/// What a delivery POSTs: the events, as `GET /api/v1/events` shows them.
#[derive(Serialize)]
pub struct WebhookBody {
    pub events: Vec<EventOut>,
}

impl WebhookBody {
    pub fn of(batch: &WebhookBatch) -> Self {
        Self {
            events: batch
                .events
                .iter()
                .map(|e| {
                    let mut event = EventOut::from(e.clone());
                    event.actor_name = batch.actor_names.get(&event.actor).cloned();
                    event
                })
                .collect(),
        }
    }
}

/// Sends deliveries to the addresses the policy allows.
#[derive(Clone)]
pub struct HttpWebhookSender {
    policy: AddressPolicy,
    timeout: Duration,
    tls: Arc<rustls::ClientConfig>,
}

impl HttpWebhookSender {
    /// `timeout`: for connecting, and again for the whole exchange.
    pub fn new(policy: AddressPolicy, timeout: Duration) -> anyhow::Result<Self> {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Self {
            policy,
            timeout,
            tls: Arc::new(tls),
        })
    }

    /// The addresses `url`'s host resolves to, every one allowed by the policy.
    pub fn checked_addresses(&self, url: &WebhookUrl) -> Result<Vec<SocketAddr>, String> {
        let host = url.host();
        let addrs: Vec<SocketAddr> = match url.literal_ip() {
            Some(ip) => vec![SocketAddr::new(ip, url.port())],
            None => (host, url.port())
                .to_socket_addrs()
                .map_err(|e| format!("{host} does not resolve: {e}"))?
                .collect(),
        };
        if addrs.is_empty() {
            return Err(format!("{host} resolves to no address"));
        }
        for addr in &addrs {
            self.policy
                .check_socket(addr.ip(), addr.port())
                .map_err(|refusal| {
                    format!(
                        "refused: {host} resolves to {}, a {} address (webhooks.allow_loopback, \
                         webhooks.allow_private)",
                        addr.ip(),
                        refusal.code().replace('_', "-")
                    )
                })?;
        }
        Ok(addrs)
    }

    async fn post(
        &self,
        url: &WebhookUrl,
        addrs: Vec<SocketAddr>,
        signature: String,
        body: Vec<u8>,
    ) -> Result<(), String> {
        let timeout = self.timeout;
        let connector = awc::Connector::new()
            .connector(PinnedConnector::new(addrs))
            .rustls_0_23(self.tls.clone())
            .timeout(timeout);
        let client = awc::Client::builder()
            .connector(connector)
            .timeout(timeout)
            .disable_redirects()
            .finish();
        let mut answer = client
            .post(url.as_str())
            .insert_header(("Content-Type", "application/json"))
            .insert_header((SIGNATURE_HEADER, signature))
            .insert_header(("User-Agent", "eckwms-webhooks"))
            .send_body(body)
            .await
            .map_err(|e| match e {
                SendRequestError::Timeout => format!("no answer within {} s", timeout.as_secs()),
                e => format!("{e}"),
            })?;
        let status = answer.status();
        // Read (a bounded part of) the answer so the exchange ends cleanly; its content is not
        // used.
        let _ = answer.body().limit(MAX_ANSWER).await;
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("HTTP {}", status.as_u16()))
        }
    }
}

impl WebhookSender for HttpWebhookSender {
    fn send(
        &self,
        url: &WebhookUrl,
        secret: &WebhookSecret,
        t: i64,
        batch: &WebhookBatch,
    ) -> Result<(), String> {
        let body = serde_json::to_vec(&WebhookBody::of(batch))
            .map_err(|e| format!("the events could not be written as JSON: {e}"))?;
        let signature = secret.sign(t, &body);
        let addrs = self.checked_addresses(url)?;
        // The port is synchronous: the exchange runs on a thread of its own with a one-off
        // actix system, so it may be called from any thread.
        let run = || actix_web::rt::System::new().block_on(self.post(url, addrs, signature, body));
        std::thread::scope(|s| {
            s.spawn(run)
                .join()
                .unwrap_or_else(|_| Err("the delivery's exchange failed".into()))
        })
    }
}

/// awc's TCP connector, given the addresses to connect to: it connects to those (in order,
/// the first that answers) and resolves nothing.
#[derive(Clone)]
struct PinnedConnector {
    addrs: Vec<SocketAddr>,
    inner: actix_tls::connect::ConnectorService,
}

impl PinnedConnector {
    fn new(addrs: Vec<SocketAddr>) -> Self {
        Self {
            addrs,
            inner: actix_tls::connect::Connector::default().service(),
        }
    }
}

impl actix_service::Service<actix_tls::connect::ConnectInfo<Uri>> for PinnedConnector {
    type Response = actix_tls::connect::Connection<Uri, actix_web::rt::net::TcpStream>;
    type Error = actix_tls::connect::ConnectError;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        actix_service::Service::<actix_tls::connect::ConnectInfo<Uri>>::poll_ready(&self.inner, cx)
    }

    fn call(&self, req: actix_tls::connect::ConnectInfo<Uri>) -> Self::Future {
        // Addresses set: the connector's resolver passes the request through unresolved.
        let connecting = self.inner.call(req.set_addrs(self.addrs.clone()));
        Box::pin(connecting)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sender(allow_loopback: bool) -> HttpWebhookSender {
        HttpWebhookSender::new(
            AddressPolicy {
                allow_loopback,
                allow_private: false,
            },
            Duration::from_secs(2),
        )
        .unwrap()
    }

    #[test]
    fn every_resolved_address_is_checked() {
        let url = WebhookUrl::parse("http://localhost:9/hook").unwrap();
        let e = sender(false).checked_addresses(&url).unwrap_err();
        assert!(e.contains("loopback"), "{e}");
        assert!(sender(true).checked_addresses(&url).is_ok());
        let metadata = WebhookUrl::parse("http://169.254.169.254/latest").unwrap();
        let e = sender(true).checked_addresses(&metadata).unwrap_err();
        assert!(e.contains("metadata"), "{e}");
    }

    #[test]
    fn a_refused_address_is_never_connected_to() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let url = WebhookUrl::parse(&format!("http://127.0.0.1:{port}/hook")).unwrap();
        let secret = WebhookSecret::from_random([1; 32]);
        let e = sender(false)
            .send(&url, &secret, 1, &WebhookBatch::default())
            .unwrap_err();
        assert!(e.starts_with("refused"), "{e}");
        assert!(listener.accept().is_err(), "nothing connected");
    }

    #[test]
    fn nothing_listening_is_a_failure_without_the_secret() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let url = WebhookUrl::parse(&format!("http://127.0.0.1:{port}/hook")).unwrap();
        let secret = WebhookSecret::from_random([9; 32]);
        let e = sender(true)
            .send(&url, &secret, 1, &WebhookBatch::default())
            .unwrap_err();
        assert!(!e.contains(secret.expose()), "{e}");
    }

    #[actix_rt::test]
    async fn a_delivery_is_signed_json() {
        use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
        let (seen_tx, seen_rx) = std::sync::mpsc::channel::<(String, String, Vec<u8>)>();
        let server = HttpServer::new(move || {
            let seen = seen_tx.clone();
            App::new().route(
                "/hook",
                web::post().to(move |req: HttpRequest, body: web::Bytes| {
                    let header = |name: &str| {
                        req.headers()
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned()
                    };
                    let _ = seen.send((
                        header("content-type"),
                        header("x-eckwms-signature"),
                        body.to_vec(),
                    ));
                    async { HttpResponse::NoContent().finish() }
                }),
            )
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let port = server.addrs()[0].port();
        let running = server.run();
        let handle = running.handle();
        actix_web::rt::spawn(running);
        let url = WebhookUrl::parse(&format!("http://localhost:{port}/hook")).unwrap();
        let secret = WebhookSecret::from_random([5; 32]);
        let sent = web::block(move || {
            sender(true).send(&url, &secret, 1_700_000_000, &WebhookBatch::default())
        })
        .await
        .unwrap();
        assert_eq!(sent, Ok(()));
        let (content_type, signature, body) = seen_rx.recv().unwrap();
        assert_eq!(content_type, "application/json");
        assert_eq!(body, br#"{"events":[]}"#);
        let secret = WebhookSecret::from_random([5; 32]);
        assert_eq!(signature, secret.sign(1_700_000_000, &body));
        handle.stop(false).await;
    }
}
