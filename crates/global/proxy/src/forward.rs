//! The forwarder: one request to one upstream, both bodies streamed.

use std::cell::{Cell, RefCell};
use std::net::IpAddr;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::body::BodySize;
use actix_web::error::PayloadError;
use actix_web::http::header::{self, HeaderMap};
use actix_web::http::{Method, StatusCode, Uri};
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use awc::error::{ConnectError, SendRequestError};
use awc::{Client, ClientResponse, Connector};
use futures_util::Stream;

use crate::body::{BodyFailure, RequestBody, ResponseBody};
use crate::connect::NoDelayConnector;
use crate::headers::{client_ip, has_passed_here, request_headers, response_headers};
use crate::path::check_path;
use crate::policy::{AddressPolicy, Refusal};
use crate::problem::ProxyError;

/// Proxied requests the upstream failed, by `kind`: `refused` (the registered address is not
/// one the proxy connects to), `unavailable` (no connection, a broken response), `timeout`.
pub const UPSTREAM_ERRORS: &str = "eckwms_global_proxy_upstream_errors_total";
use crate::settings::{ProxySettings, SettingsError};
use crate::upstream::{Scheme, Upstream};

/// Forwards requests to upstreams. Create one at start-up and share it (`Clone`, `Send`,
/// `Sync`; e.g. in `web::Data`). The HTTP client behind it is made once per worker thread and
/// keeps connections to upstreams open for reuse.
#[derive(Clone)]
pub struct Forwarder {
    inner: Arc<Inner>,
}

struct Inner {
    /// Tells the per-thread clients of different forwarders apart.
    id: u64,
    settings: ProxySettings,
    policy: AddressPolicy,
    tls: Option<Arc<rustls::ClientConfig>>,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Per-thread clients, one per forwarder used on the thread (in practice one). awc's `Client`
/// is `!Send`, so it cannot live in the shared `Forwarder` itself.
const MAX_CLIENTS_PER_THREAD: usize = 8;
thread_local! {
    static CLIENTS: RefCell<Vec<(u64, Client)>> = const { RefCell::new(Vec::new()) };
}

impl Forwarder {
    /// A forwarder for `http` upstreams; an `https` upstream gets 502 (use [`with_tls`](Self::with_tls)).
    pub fn new(settings: ProxySettings) -> Result<Self, SettingsError> {
        Self::build(settings, None)
    }

    /// A forwarder that can also reach `https` upstreams, verifying them with `tls` (its root
    /// store decides which instance certificates are believed; ALPN may offer `h2`).
    pub fn with_tls(
        settings: ProxySettings,
        tls: Arc<rustls::ClientConfig>,
    ) -> Result<Self, SettingsError> {
        Self::build(settings, Some(tls))
    }

    fn build(
        settings: ProxySettings,
        tls: Option<Arc<rustls::ClientConfig>>,
    ) -> Result<Self, SettingsError> {
        settings.validate()?;
        Ok(Self {
            inner: Arc::new(Inner {
                id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
                policy: settings.policy(),
                settings,
                tls,
            }),
        })
    }

    pub fn settings(&self) -> &ProxySettings {
        &self.inner.settings
    }

    /// The address policy of the settings.
    pub fn policy(&self) -> AddressPolicy {
        self.inner.policy
    }

    /// The upstream of a registered record, checked against this forwarder's policy.
    pub fn upstream(&self, scheme: Scheme, ip: IpAddr, port: u16) -> Result<Upstream, Refusal> {
        Upstream::new(scheme, ip, port, &self.inner.policy)
    }

    /// The client's address for rate limiting and logs: the peer, or the forwarded client when
    /// the peer is one of the trusted proxies. `None` only without a peer address.
    pub fn client_ip(&self, req: &HttpRequest) -> Option<IpAddr> {
        client_ip(req, &self.inner.settings.trusted_proxies)
    }

    /// Forwards the request and answers with the upstream's response, or with a problem+json
    /// error ([`ProxyError`]): 400 for a path that would escape, 413 for a body over the
    /// limit, 502 when the upstream is refused or unreachable, 504 when it is too slow, 508 when
    /// the request has already passed this proxy.
    ///
    /// `rest` is the raw path to request from the upstream, normally
    /// [`remainder_after_segments(req.path(), 3)`](crate::remainder_after_segments) for
    /// `/ECK/PROXY/{instance_id}/{path...}`; the query of `req` is appended as it came. The
    /// part of `req.path()` before `rest` is sent as `X-Forwarded-Prefix`.
    ///
    /// Must run on an actix/tokio worker thread (it uses that thread's client).
    pub async fn forward(
        &self,
        req: &HttpRequest,
        payload: web::Payload,
        upstream: &Upstream,
        rest: &str,
    ) -> HttpResponse {
        match self.try_forward(req, payload, upstream, rest).await {
            Ok(res) => res,
            Err(e) => {
                if let Some(kind) = e.upstream_failure() {
                    metrics::counter!(UPSTREAM_ERRORS, "kind" => kind).increment(1);
                }
                e.error_response()
            }
        }
    }

    /// [`forward`](Self::forward), with the proxy's own failures as a [`ProxyError`] for a
    /// caller that wants to log or map them itself.
    pub async fn try_forward(
        &self,
        req: &HttpRequest,
        payload: web::Payload,
        upstream: &Upstream,
        rest: &str,
    ) -> Result<HttpResponse, ProxyError> {
        let settings = &self.inner.settings;
        self.inner
            .policy
            .check_socket(upstream.addr().ip(), upstream.addr().port())
            .map_err(ProxyError::TargetRefused)?;
        if upstream.scheme() == Scheme::Https && self.inner.tls.is_none() {
            tracing::warn!(%upstream, "https upstream but the proxy has no TLS configuration");
            return Err(ProxyError::Unavailable);
        }
        check_path(rest)?;
        if has_passed_here(req.headers()) {
            return Err(ProxyError::LoopDetected);
        }

        let request_size = request_body_size(req.headers(), req.method(), settings.body_limit)?;
        let uri = upstream_uri(upstream, rest, req.uri().query())?;
        let prefix = prefix_of(req.path(), rest);

        let client = self.client();
        let mut upstream_req = client.request(req.method().clone(), uri).no_decompress();
        request_headers(
            req,
            upstream_req.headers_mut(),
            prefix,
            &settings.trusted_proxies,
        );

        let failure = Rc::new(Cell::new(None));
        let body = RequestBody::new(
            payload,
            request_size,
            settings.body_limit,
            settings.idle_timeout(),
            failure.clone(),
        );
        match upstream_req.send_body(body).await {
            Ok(res) => Ok(self.respond(req.method(), res)),
            Err(e) => Err(classify(e, failure.get(), settings.body_limit, upstream)),
        }
    }

    fn respond<S>(&self, method: &Method, res: ClientResponse<S>) -> HttpResponse
    where
        S: Stream<Item = Result<Bytes, PayloadError>> + Unpin + 'static,
    {
        let status = res.status();
        let size = response_body_size(method, status, res.headers());
        let mut headers = HeaderMap::with_capacity(res.headers().len());
        response_headers(res.headers(), &mut headers, res.version());
        let body = ResponseBody::new(res, size, self.inner.settings.idle_timeout());
        let mut out = HttpResponse::with_body(status, body);
        *out.headers_mut() = headers;
        out.map_into_boxed_body()
    }

    /// This thread's client for this forwarder, made on first use.
    fn client(&self) -> Client {
        CLIENTS.with(|cell| {
            let mut clients = cell.borrow_mut();
            if let Some((_, client)) = clients.iter().find(|(id, _)| *id == self.inner.id) {
                return client.clone();
            }
            if clients.len() >= MAX_CLIENTS_PER_THREAD {
                clients.remove(0);
            }
            let client = self.make_client();
            clients.push((self.inner.id, client.clone()));
            client
        })
    }

    fn make_client(&self) -> Client {
        let s = &self.inner.settings;
        let connector = Connector::new()
            .connector(NoDelayConnector::new())
            .timeout(s.connect_timeout())
            .handshake_timeout(s.connect_timeout())
            .conn_keep_alive(s.pool_idle())
            .limit(s.max_connections_per_worker);
        let connector = match &self.inner.tls {
            Some(tls) => connector.rustls_0_23(tls.clone()),
            None => connector,
        };
        Client::builder()
            .connector(connector)
            .disable_redirects()
            .no_default_headers()
            // From the start of sending until the response head: `response_timeout`.
            .timeout(s.response_timeout())
            .finish()
    }
}

/// The size of the body to send upstream, from the client's framing headers. A declared length
/// over the limit is refused before anything is sent.
fn request_body_size(
    headers: &HeaderMap,
    method: &Method,
    limit: u64,
) -> Result<BodySize, ProxyError> {
    if headers.contains_key(header::TRANSFER_ENCODING) {
        return Ok(BodySize::Stream);
    }
    match headers.get(header::CONTENT_LENGTH) {
        Some(value) => {
            let len = value
                .to_str()
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .ok_or(ProxyError::RequestBody)?;
            if len > limit {
                Err(ProxyError::PayloadTooLarge { limit })
            } else {
                Ok(BodySize::Sized(len))
            }
        }
        // No framing: no body. Methods that always carry one get an explicit empty body.
        None if matches!(*method, Method::POST | Method::PUT | Method::PATCH) => {
            Ok(BodySize::Sized(0))
        }
        None => Ok(BodySize::None),
    }
}

/// The size the client's response declares: the upstream's length when it sent one, none for
/// answers that have no body, otherwise a stream (chunked to the client).
fn response_body_size(method: &Method, status: StatusCode, headers: &HeaderMap) -> BodySize {
    if status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
    {
        return BodySize::None;
    }
    if headers.contains_key(header::TRANSFER_ENCODING) {
        return BodySize::Stream;
    }
    match headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        Some(len) => BodySize::Sized(len),
        None if *method == Method::HEAD => BodySize::None,
        None => BodySize::Stream,
    }
}

fn upstream_uri(upstream: &Upstream, rest: &str, query: Option<&str>) -> Result<Uri, ProxyError> {
    let builder = Uri::builder()
        .scheme(upstream.uri_scheme())
        .authority(upstream.authority().clone());
    let built = match query {
        Some(q) => builder.path_and_query(format!("{rest}?{q}")).build(),
        None => builder.path_and_query(rest).build(),
    };
    built.map_err(|_| ProxyError::InvalidPath(crate::path::PathError::ForbiddenCharacter))
}

/// The part of the client's path before `rest` (sent as `X-Forwarded-Prefix`).
fn prefix_of<'a>(path: &'a str, rest: &str) -> &'a str {
    match path.strip_suffix(rest) {
        Some(prefix) => prefix,
        None if rest == "/" => path.trim_end_matches('/'),
        None => "",
    }
}

fn classify(
    e: SendRequestError,
    body: Option<BodyFailure>,
    limit: u64,
    upstream: &Upstream,
) -> ProxyError {
    match body {
        Some(BodyFailure::TooLarge) => return ProxyError::PayloadTooLarge { limit },
        Some(BodyFailure::Idle) => return ProxyError::RequestBodyTimeout,
        Some(BodyFailure::Broken) => return ProxyError::RequestBody,
        None => {}
    }
    let mapped = match &e {
        SendRequestError::Timeout | SendRequestError::Connect(ConnectError::Timeout) => {
            ProxyError::Timeout
        }
        _ => ProxyError::Unavailable,
    };
    tracing::warn!(%upstream, error = %e, code = mapped.code().as_str(), "upstream request failed");
    mapped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_sizes_follow_the_framing_and_the_limit() {
        let mut h = HeaderMap::new();
        assert_eq!(
            request_body_size(&h, &Method::GET, 10).unwrap(),
            BodySize::None
        );
        assert_eq!(
            request_body_size(&h, &Method::POST, 10).unwrap(),
            BodySize::Sized(0)
        );
        h.insert(header::CONTENT_LENGTH, "10".parse().unwrap());
        assert_eq!(
            request_body_size(&h, &Method::POST, 10).unwrap(),
            BodySize::Sized(10)
        );
        h.insert(header::CONTENT_LENGTH, "11".parse().unwrap());
        assert_eq!(
            request_body_size(&h, &Method::POST, 10).unwrap_err().code(),
            "payload_too_large"
        );
        h.insert(header::CONTENT_LENGTH, "x".parse().unwrap());
        assert!(request_body_size(&h, &Method::POST, 10).is_err());
        h.insert(header::TRANSFER_ENCODING, "chunked".parse().unwrap());
        assert_eq!(
            request_body_size(&h, &Method::POST, 10).unwrap(),
            BodySize::Stream
        );
    }

    #[test]
    fn response_sizes() {
        let mut h = HeaderMap::new();
        assert_eq!(
            response_body_size(&Method::GET, StatusCode::OK, &h),
            BodySize::Stream
        );
        assert_eq!(
            response_body_size(&Method::HEAD, StatusCode::OK, &h),
            BodySize::None
        );
        h.insert(header::CONTENT_LENGTH, "5".parse().unwrap());
        assert_eq!(
            response_body_size(&Method::GET, StatusCode::OK, &h),
            BodySize::Sized(5)
        );
        assert_eq!(
            response_body_size(&Method::GET, StatusCode::NO_CONTENT, &h),
            BodySize::None
        );
    }

    #[test]
    fn prefixes() {
        assert_eq!(prefix_of("/ECK/PROXY/i/api/x", "/api/x"), "/ECK/PROXY/i");
        assert_eq!(prefix_of("/ECK/PROXY/i", "/"), "/ECK/PROXY/i");
        assert_eq!(prefix_of("/ECK/PROXY/i/", "/"), "/ECK/PROXY/i");
        assert_eq!(prefix_of("/other", "/api"), "");
    }

    #[test]
    fn uris_keep_the_query_and_bracket_ipv6() {
        let policy = AddressPolicy {
            allow_loopback: true,
            allow_private: false,
        };
        let up = Upstream::new(Scheme::Http, "::1".parse().unwrap(), 8080, &policy).unwrap();
        let uri = upstream_uri(&up, "/a/b", Some("x=1&y=%20")).unwrap();
        assert_eq!(uri.to_string(), "http://[::1]:8080/a/b?x=1&y=%20");
        let uri = upstream_uri(&up, "/", None).unwrap();
        assert_eq!(uri.to_string(), "http://[::1]:8080/");
    }

    #[test]
    fn forwarder_is_shareable() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<Forwarder>();
        assert!(Forwarder::new(ProxySettings::default()).is_ok());
        let bad = ProxySettings {
            body_limit: 0,
            ..ProxySettings::default()
        };
        assert!(Forwarder::new(bad).is_err());
    }
}
