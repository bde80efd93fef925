//! The forwarder against real upstreams on loopback: an actix-web app and a raw TCP server, with
//! the proxy itself served by actix-web on 127.0.0.1 port 0, as the global service mounts it.
//! Every test runs under a 30-second limit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::body::SizedStream;
use actix_web::dev::ServerHandle;
use actix_web::web::{self, Bytes};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, ResponseError};
use eckwms_global_proxy::{
    AddressPolicy, Forwarder, Limit, ProxyError, ProxySettings, RateLimitSettings, RateLimiter,
    Refusal, Scheme, Upstream, remainder_after_segments,
};
use futures_util::{Stream, StreamExt, stream};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Notify;

const MIB: usize = 1024 * 1024;
const TEST_LIMIT: Duration = Duration::from_secs(30);

async fn bounded<F: Future<Output = ()>>(test: F) {
    if tokio::time::timeout(TEST_LIMIT, test).await.is_err() {
        panic!("test did not finish within {TEST_LIMIT:?}");
    }
}

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

// ---------------------------------------------------------------------------------------------
// Test data: a deterministic byte pattern, streamed in 64 KiB chunks.

fn pattern_chunk(index: usize, len: usize) -> Bytes {
    (0..len)
        .map(|j| ((index * 31 + j * 7) % 251) as u8)
        .collect::<Vec<u8>>()
        .into()
}

fn pattern(total: usize) -> impl Stream<Item = Result<Bytes, actix_web::Error>> + Unpin {
    const CHUNK: usize = 64 * 1024;
    let chunks = total.div_ceil(CHUNK);
    stream::iter((0..chunks).map(move |i| {
        let len = CHUNK.min(total - i * CHUNK);
        Ok(pattern_chunk(i, len))
    }))
}

fn pattern_hash(total: usize) -> String {
    let mut h = Sha256::new();
    const CHUNK: usize = 64 * 1024;
    for i in 0..total.div_ceil(CHUNK) {
        h.update(pattern_chunk(i, CHUNK.min(total - i * CHUNK)));
    }
    hex::encode(h.finalize())
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

// ---------------------------------------------------------------------------------------------
// The upstream: an actix-web app.

#[derive(Clone, Default)]
struct Signals {
    /// The upstream saw the first chunk of a request body.
    got_first: Arc<Notify>,
    /// The client saw the first chunk of a response body.
    client_saw_first: Arc<Notify>,
}

async fn echo(req: HttpRequest, mut body: web::Payload) -> HttpResponse {
    let mut hash = Sha256::new();
    let mut len = 0usize;
    while let Some(chunk) = body.next().await {
        let Ok(chunk) = chunk else {
            return HttpResponse::BadRequest().finish();
        };
        len += chunk.len();
        hash.update(&chunk);
    }
    let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in req.headers() {
        headers
            .entry(name.as_str().to_owned())
            .or_default()
            .push(value.to_str().unwrap_or("<binary>").to_owned());
    }
    HttpResponse::Ok()
        .insert_header(("x-upstream", "echo"))
        .json(json!({
            "method": req.method().as_str(),
            "version": format!("{:?}", req.version()),
            "path": req.path(),
            "query": req.query_string(),
            "headers": headers,
            "body_len": len,
            "body_sha256": hex::encode(hash.finalize()),
        }))
}

fn size_of(req: &HttpRequest) -> usize {
    req.query_string()
        .strip_prefix("size=")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

async fn download(req: HttpRequest) -> HttpResponse {
    HttpResponse::Ok().streaming(pattern(size_of(&req)))
}

async fn sized(req: HttpRequest) -> HttpResponse {
    let size = size_of(&req);
    HttpResponse::Ok()
        .no_chunking(size as u64)
        .streaming(pattern(size))
}

async fn status(code: web::Path<u16>) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(code.into_inner())
        .unwrap_or(actix_web::http::StatusCode::IM_A_TEAPOT);
    HttpResponse::build(status)
        .insert_header(("x-status-test", "yes"))
        .body("status body")
}

async fn slow() -> HttpResponse {
    actix_rt::time::sleep(Duration::from_secs(5)).await;
    HttpResponse::Ok().body("too late")
}

async fn stall_body() -> HttpResponse {
    let body = stream::once(async { Ok::<_, actix_web::Error>(Bytes::from_static(b"start")) })
        .chain(stream::pending());
    HttpResponse::Ok().streaming(body)
}

/// Sends one chunk, then the second only after the client has seen the first.
async fn trickle(signals: web::Data<Signals>) -> HttpResponse {
    let seen = signals.client_saw_first.clone();
    let body = stream::unfold(0u8, move |state| {
        let seen = seen.clone();
        async move {
            match state {
                0 => Some((Ok::<_, actix_web::Error>(Bytes::from_static(b"first;")), 1)),
                1 => {
                    seen.notified().await;
                    Some((Ok(Bytes::from_static(b"second")), 2))
                }
                _ => None,
            }
        }
    });
    HttpResponse::Ok().streaming(body)
}

/// Reports the first chunk of the request body as soon as it arrives, then reads the rest.
async fn relay_first(signals: web::Data<Signals>, mut body: web::Payload) -> HttpResponse {
    let mut len = 0usize;
    let mut first = true;
    while let Some(chunk) = body.next().await {
        let Ok(chunk) = chunk else {
            return HttpResponse::BadRequest().finish();
        };
        len += chunk.len();
        if first {
            first = false;
            signals.got_first.notify_one();
        }
    }
    HttpResponse::Ok().body(len.to_string())
}

async fn peer_port(req: HttpRequest) -> HttpResponse {
    let port = req.peer_addr().map(|a| a.port()).unwrap_or(0);
    HttpResponse::Ok().body(port.to_string())
}

async fn start_upstream(signals: Signals) -> (SocketAddr, ServerHandle) {
    start_upstream_with(signals, None).await
}

async fn start_upstream_with(
    signals: Signals,
    tls: Option<rustls::ServerConfig>,
) -> (SocketAddr, ServerHandle) {
    let listener = TcpListener::bind((LOCALHOST, 0)).unwrap();
    let addr = listener.local_addr().unwrap();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(signals.clone()))
            .route("/download", web::get().to(download))
            .route("/sized", web::route().to(sized))
            .route("/status/{code}", web::route().to(status))
            .route("/slow", web::route().to(slow))
            .route("/stall-body", web::get().to(stall_body))
            .route("/trickle", web::get().to(trickle))
            .route("/relay-first", web::post().to(relay_first))
            .route("/peer-port", web::get().to(peer_port))
            .default_service(web::to(echo))
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(1);
    let server = match tls {
        Some(config) => server.listen_rustls_0_23(listener, config),
        None => server.listen(listener),
    }
    .unwrap()
    .run();
    let handle = server.handle();
    actix_rt::spawn(server);
    (addr, handle)
}

// ---------------------------------------------------------------------------------------------
// The proxy, mounted as the global service's route will mount it.

#[derive(Clone)]
enum Entry {
    /// A registered record: the route builds the upstream with the forwarder's policy.
    Record(Scheme, IpAddr, u16),
    /// An upstream made elsewhere (under another policy): the forwarder must check it again.
    Prebuilt(Upstream),
}

async fn proxy_route(
    req: HttpRequest,
    payload: web::Payload,
    forwarder: web::Data<Forwarder>,
    limiter: web::Data<RateLimiter>,
    registry: web::Data<HashMap<String, Entry>>,
) -> HttpResponse {
    let instance = req.match_info().get("instance").unwrap_or_default();
    let upstream = match registry.get(instance) {
        Some(Entry::Record(scheme, ip, port)) => match forwarder.upstream(*scheme, *ip, *port) {
            Ok(upstream) => upstream,
            Err(refusal) => return ProxyError::TargetRefused(refusal).error_response(),
        },
        Some(Entry::Prebuilt(upstream)) => upstream.clone(),
        None => return HttpResponse::NotFound().finish(),
    };
    if let Some(client) = forwarder.client_ip(&req)
        && let Err(limited) = limiter.check(instance, client)
    {
        return limited.error_response();
    }
    let rest = remainder_after_segments(req.path(), 3);
    forwarder.forward(&req, payload, &upstream, rest).await
}

struct Proxy {
    base: String,
    handle: ServerHandle,
}

fn loopback_settings() -> ProxySettings {
    ProxySettings {
        allow_loopback: true,
        connect_timeout_ms: 2_000,
        response_timeout_ms: 10_000,
        idle_timeout_ms: 10_000,
        rate_limit: RateLimitSettings {
            per_instance: Limit {
                per_second: 0.0,
                burst: 0,
            },
            per_client: Limit {
                per_second: 0.0,
                burst: 0,
            },
            ..RateLimitSettings::default()
        },
        ..ProxySettings::default()
    }
}

async fn start_proxy(settings: ProxySettings, registry: HashMap<String, Entry>) -> Proxy {
    let forwarder = Forwarder::new(settings.clone()).unwrap();
    start_proxy_with(forwarder, registry).await
}

async fn start_proxy_with(forwarder: Forwarder, registry: HashMap<String, Entry>) -> Proxy {
    let listener = TcpListener::bind((LOCALHOST, 0)).unwrap();
    start_proxy_on(listener, forwarder, registry).await
}

async fn start_proxy_on(
    listener: TcpListener,
    forwarder: Forwarder,
    registry: HashMap<String, Entry>,
) -> Proxy {
    let settings = forwarder.settings().clone();
    let forwarder = web::Data::new(forwarder);
    let limiter = web::Data::new(RateLimiter::new(&settings));
    let registry = web::Data::new(registry);
    let addr = listener.local_addr().unwrap();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(forwarder.clone())
            .app_data(limiter.clone())
            .app_data(registry.clone())
            .route("/ECK/PROXY/{instance}", web::route().to(proxy_route))
            .route(
                "/ECK/PROXY/{instance}/{tail:.*}",
                web::route().to(proxy_route),
            )
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(1)
    .listen(listener)
    .unwrap()
    .run();
    let handle = server.handle();
    actix_rt::spawn(server);
    Proxy {
        base: format!("http://{addr}/ECK/PROXY"),
        handle,
    }
}

fn registry(entries: &[(&str, Entry)]) -> HashMap<String, Entry> {
    entries
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn client() -> awc::Client {
    awc::Client::builder()
        .timeout(Duration::from_secs(25))
        .disable_redirects()
        .finish()
}

async fn json_of<S>(res: &mut awc::ClientResponse<S>) -> Value
where
    S: Stream<Item = Result<Bytes, actix_web::error::PayloadError>> + Unpin,
{
    let body = res.body().limit(16 * MIB).await.unwrap();
    serde_json::from_slice(&body).unwrap_or_else(|_| panic!("not JSON: {body:?}"))
}

/// Asserts a problem+json answer with this status and code, and returns its body.
async fn assert_problem<S>(res: &mut awc::ClientResponse<S>, status: u16, code: &str) -> Value
where
    S: Stream<Item = Result<Bytes, actix_web::error::PayloadError>> + Unpin,
{
    assert_eq!(res.status().as_u16(), status);
    assert_eq!(
        res.headers().get("content-type").unwrap(),
        "application/problem+json"
    );
    let v = json_of(res).await;
    assert_eq!(v["code"], code);
    assert_eq!(v["status"], status);
    assert_eq!(v["type"], format!("urn:eckwms:problem:{code}"));
    assert!(v["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(v["detail"].as_str().is_some_and(|t| !t.is_empty()));
    v
}

async fn with_upstream_proxy(
    settings: ProxySettings,
) -> (SocketAddr, ServerHandle, Proxy, Signals) {
    let signals = Signals::default();
    let (up, up_handle) = start_upstream(signals.clone()).await;
    let proxy = start_proxy(
        settings,
        registry(&[("up", Entry::Record(Scheme::Http, up.ip(), up.port()))]),
    )
    .await;
    (up, up_handle, proxy, signals)
}

// ---------------------------------------------------------------------------------------------
// Pass-through.

#[actix_rt::test]
async fn get_passes_method_path_query_and_headers() {
    bounded(async {
        let (up, up_handle, proxy, _) = with_upstream_proxy(loopback_settings()).await;
        let mut res = client()
            .get(format!(
                "{}/up/api/v1/items/a%2Fb?x=1&y=two%20words",
                proxy.base
            ))
            .insert_header(("x-custom", "kept"))
            .insert_header(("authorization", "Bearer instance-key"))
            .insert_header(("x-forwarded-for", "198.51.100.1"))
            .insert_header(("x-forwarded-host", "spoofed.example"))
            .insert_header(("x-eckwms-target-url", "http://evil.example/"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        assert_eq!(res.headers().get("x-upstream").unwrap(), "echo");
        assert_eq!(res.headers().get("via").unwrap(), "1.1 eckwms-global");
        let v = json_of(&mut res).await;
        assert_eq!(v["method"], "GET");
        assert_eq!(v["path"], "/api/v1/items/a%2Fb");
        assert_eq!(v["query"], "x=1&y=two%20words");
        let h = &v["headers"];
        assert_eq!(h["x-custom"], json!(["kept"]));
        assert_eq!(h["authorization"], json!(["Bearer instance-key"]));
        assert_eq!(h["host"], json!([up.to_string()]), "Host is the upstream's");
        assert_eq!(h["x-forwarded-for"], json!(["198.51.100.1, 127.0.0.1"]));
        assert_eq!(h["x-forwarded-proto"], json!(["http"]));
        let proxy_host = proxy
            .base
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap();
        assert_eq!(h["x-forwarded-host"], json!([proxy_host]));
        assert_eq!(h["x-forwarded-prefix"], json!(["/ECK/PROXY/up"]));
        assert!(h.get("x-eckwms-target-url").is_none());
        assert_eq!(h["via"], json!(["1.1 eckwms-global"]));
        assert_eq!(v["body_len"], 0);
        up_handle.stop(false).await;
        proxy.handle.stop(false).await;
    })
    .await;
}

#[actix_rt::test]
async fn the_instance_root_and_statuses_pass_through() {
    bounded(async {
        let (_, up_handle, proxy, _) = with_upstream_proxy(loopback_settings()).await;
        let mut res = client()
            .get(format!("{}/up", proxy.base))
            .send()
            .await
            .unwrap();
        assert_eq!(json_of(&mut res).await["path"], "/");
        let mut res = client()
            .delete(format!("{}/up/status/418", proxy.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 418);
        assert_eq!(res.headers().get("x-status-test").unwrap(), "yes");
        assert_eq!(res.body().await.unwrap(), "status body");
        let mut res = client()
            .get(format!("{}/up/status/404", proxy.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 404);
        assert_eq!(res.body().await.unwrap(), "status body");
        let res = client()
            .get(format!("{}/up/status/204", proxy.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 204);
        // HEAD keeps the length and carries no body.
        let mut res = client()
            .head(format!("{}/up/sized?size=1000", proxy.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        assert_eq!(res.headers().get("content-length").unwrap(), "1000");
        assert!(res.body().await.unwrap().is_empty());
        up_handle.stop(false).await;
        proxy.handle.stop(false).await;
    })
    .await;
}

#[actix_rt::test]
async fn post_body_passes_with_its_length_or_chunked() {
    bounded(async {
        let (_, up_handle, proxy, _) = with_upstream_proxy(loopback_settings()).await;
        let mut res = client()
            .post(format!("{}/up/api/v1/scans?device=d1", proxy.base))
            .insert_header(("content-type", "application/json"))
            .send_body(r#"{"barcode":"i000000000000000001"}"#)
            .await
            .unwrap();
        let v = json_of(&mut res).await;
        assert_eq!(v["method"], "POST");
        assert_eq!(v["query"], "device=d1");
        assert_eq!(v["headers"]["content-type"], json!(["application/json"]));
        assert_eq!(v["headers"]["content-length"], json!(["33"]));
        assert_eq!(
            v["body_sha256"],
            sha(br#"{"barcode":"i000000000000000001"}"#)
        );
        // A chunked request body stays chunked (no length is invented).
        let mut res = client()
            .put(format!("{}/up/blob", proxy.base))
            .send_stream(pattern(100_000))
            .await
            .unwrap();
        let v = json_of(&mut res).await;
        assert_eq!(v["method"], "PUT");
        assert_eq!(v["body_len"], 100_000);
        assert_eq!(v["body_sha256"], pattern_hash(100_000));
        assert_eq!(v["headers"]["transfer-encoding"], json!(["chunked"]));
        up_handle.stop(false).await;
        proxy.handle.stop(false).await;
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Streaming: several MiB both ways, content checked by hash; and proof that neither body is
// held whole (each side waits for the other to see a first chunk).

#[actix_rt::test]
async fn streams_several_mib_up_and_down() {
    bounded(async {
        let (_, up_handle, proxy, _) = with_upstream_proxy(loopback_settings()).await;
        let size = 8 * MIB + 12_345;

        // Upload, chunked.
        let mut res = client()
            .post(format!("{}/up/upload", proxy.base))
            .send_stream(pattern(size))
            .await
            .unwrap();
        let v = json_of(&mut res).await;
        assert_eq!(v["body_len"], size);
        assert_eq!(v["body_sha256"], pattern_hash(size));

        // Upload with Content-Length.
        let mut res = client()
            .post(format!("{}/up/upload", proxy.base))
            .send_body(SizedStream::new(size as u64, pattern(size)))
            .await
            .unwrap();
        let v = json_of(&mut res).await;
        assert_eq!(v["body_len"], size);
        assert_eq!(v["headers"]["content-length"], json!([size.to_string()]));
        assert_eq!(v["body_sha256"], pattern_hash(size));

        // Download, chunked upstream response.
        let mut res = client()
            .get(format!("{}/up/download?size={size}", proxy.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        assert!(res.headers().get("content-length").is_none());
        let body = res.body().limit(16 * MIB).await.unwrap();
        assert_eq!(body.len(), size);
        assert_eq!(sha(&body), pattern_hash(size));

        // Download with Content-Length: the client gets the same length.
        let mut res = client()
            .get(format!("{}/up/sized?size={size}", proxy.base))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.headers().get("content-length").unwrap(),
            size.to_string().as_str()
        );
        let body = res.body().limit(16 * MIB).await.unwrap();
        assert_eq!(sha(&body), pattern_hash(size));
        up_handle.stop(false).await;
        proxy.handle.stop(false).await;
    })
    .await;
}

#[actix_rt::test]
async fn the_response_body_is_streamed_not_buffered() {
    bounded(async {
        let (_, up_handle, proxy, signals) = with_upstream_proxy(loopback_settings()).await;
        let mut res = client()
            .get(format!("{}/up/trickle", proxy.base))
            .send()
            .await
            .unwrap();
        // The upstream sends "second" only after we have seen "first": a proxy that waited for
        // the whole body would never deliver either.
        let mut seen = Vec::new();
        while !seen.ends_with(b"first;") {
            let chunk = res.next().await.unwrap().unwrap();
            seen.extend_from_slice(&chunk);
        }
        signals.client_saw_first.notify_one();
        while let Some(chunk) = res.next().await {
            seen.extend_from_slice(&chunk.unwrap());
        }
        assert_eq!(seen, b"first;second");
        up_handle.stop(false).await;
        proxy.handle.stop(false).await;
    })
    .await;
}

#[actix_rt::test]
async fn the_request_body_is_streamed_not_buffered() {
    bounded(async {
        let (_, up_handle, proxy, signals) = with_upstream_proxy(loopback_settings()).await;
        let got_first = signals.got_first.clone();
        // The second chunk leaves only after the upstream has the first. (awc, on both legs,
        // flushes a request body when its 8 KiB write buffer fills or the body ends, so the
        // first chunk is larger than that.)
        let body = stream::unfold(0u8, move |state| {
            let got_first = got_first.clone();
            async move {
                match state {
                    0 => Some((
                        Ok::<_, actix_web::Error>(Bytes::from(vec![1u8; 64 * 1024])),
                        1,
                    )),
                    1 => {
                        got_first.notified().await;
                        Some((Ok(Bytes::from(vec![2u8; 2000])), 2))
                    }
                    _ => None,
                }
            }
        });
        let mut res = client()
            .post(format!("{}/up/relay-first", proxy.base))
            .send_stream(Box::pin(body))
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        assert_eq!(
            res.body().await.unwrap(),
            (64 * 1024 + 2000).to_string().as_str()
        );
        up_handle.stop(false).await;
        proxy.handle.stop(false).await;
    })
    .await;
}

#[actix_rt::test]
async fn upstream_connections_are_reused() {
    bounded(async {
        let (_, up_handle, proxy, _) = with_upstream_proxy(loopback_settings()).await;
        let mut ports = Vec::new();
        for _ in 0..3 {
            let mut res = client()
                .get(format!("{}/up/peer-port", proxy.base))
                .send()
                .await
                .unwrap();
            ports.push(res.body().await.unwrap());
        }
        assert!(
            ports.windows(2).all(|w| w[0] == w[1]),
            "one pooled connection serves sequential requests: {ports:?}"
        );
        up_handle.stop(false).await;
        proxy.handle.stop(false).await;
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Hop-by-hop headers and chunked responses, against a raw TCP upstream that shows exactly what
// reached it and answers exactly as written.

/// Serves each connection once: answers `GET /raw-echo` with the raw request head as the body
/// (with hop-by-hop response headers the proxy must drop), and `GET /raw-chunked` with a
/// chunked body written in separate pieces.
async fn start_raw_upstream() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind((LOCALHOST, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    actix_rt::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            actix_rt::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match conn.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&head).into_owned();
                if text.starts_with("GET /raw-chunked") {
                    let _ = conn
                        .write_all(
                            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\
                              Connection: close\r\nContent-Type: text/plain\r\n\r\n",
                        )
                        .await;
                    for piece in ["alpha-", "beta-", "gamma-", "delta"] {
                        let chunk = format!("{:x}\r\n{piece}\r\n", piece.len());
                        let _ = conn.write_all(chunk.as_bytes()).await;
                        let _ = conn.flush().await;
                        tokio::time::sleep(Duration::from_millis(30)).await;
                    }
                    let _ = conn.write_all(b"0\r\n\r\n").await;
                } else {
                    let response = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close, X-Hop-Resp\r\n\
                         X-Hop-Resp: secret\r\nKeep-Alive: timeout=5\r\nProxy-Agent: raw\r\n\
                         X-End-To-End: kept\r\n\r\n{text}",
                        text.len()
                    );
                    let _ = conn.write_all(response.as_bytes()).await;
                }
                let _ = conn.shutdown().await;
            });
        }
    });
    addr
}

/// One raw HTTP/1.1 exchange with the proxy (the client closes after the response).
async fn raw_exchange(proxy: &Proxy, request: &str) -> (String, String) {
    let authority = proxy
        .base
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap();
    let mut conn = tokio::net::TcpStream::connect(authority).await.unwrap();
    conn.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    conn.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8(out).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    (head.to_ascii_lowercase(), body.to_owned())
}

#[actix_rt::test]
async fn hop_by_hop_headers_are_removed_both_ways() {
    bounded(async {
        let raw = start_raw_upstream().await;
        let proxy = start_proxy(
            loopback_settings(),
            registry(&[("raw", Entry::Record(Scheme::Http, raw.ip(), raw.port()))]),
        )
        .await;
        let (head, body) = raw_exchange(
            &proxy,
            "GET /ECK/PROXY/raw/raw-echo?q=1 HTTP/1.1\r\nHost: global.test\r\n\
             Connection: close, X-Secret-Hop\r\nX-Secret-Hop: s\r\nKeep-Alive: timeout=9\r\n\
             Proxy-Authorization: Basic eDp5\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\n\
             Trailer: X-T\r\nUpgrade: h2c\r\nX-Kept: yes\r\n\r\n",
        )
        .await;
        assert!(head.starts_with("http/1.1 200"), "{head}");
        let upstream_saw = body.to_ascii_lowercase();
        assert!(
            upstream_saw.starts_with("get /raw-echo?q=1 http/1.1\r\n"),
            "{upstream_saw}"
        );
        for gone in [
            "x-secret-hop",
            "keep-alive",
            "proxy-authorization",
            "proxy-connection",
            "\r\nte:",
            "trailer",
            "upgrade",
            "global.test\r\nconnection",
        ] {
            assert!(
                !upstream_saw.contains(gone),
                "{gone} reached the upstream: {upstream_saw}"
            );
        }
        assert!(
            upstream_saw.contains(&format!("\r\nhost: {raw}\r\n")),
            "{upstream_saw}"
        );
        assert!(upstream_saw.contains("\r\nx-kept: yes\r\n"));
        assert!(upstream_saw.contains("\r\nx-forwarded-host: global.test\r\n"));
        assert!(upstream_saw.contains("\r\nx-forwarded-for: 127.0.0.1\r\n"));
        assert!(
            upstream_saw.contains(
                "\r\nx-forwarded-prefix: /ECK/PROXY/raw\r\n"
                    .to_ascii_lowercase()
                    .as_str()
            )
        );
        // And on the way back.
        assert!(!head.contains("x-hop-resp"), "{head}");
        assert!(!head.contains("keep-alive"), "{head}");
        assert!(!head.contains("proxy-agent"), "{head}");
        assert!(head.contains("\r\nx-end-to-end: kept"), "{head}");
        assert!(
            head.contains(&format!("\r\ncontent-length: {}", body.len())),
            "{head}"
        );
        proxy.handle.stop(false).await;
    })
    .await;
}

#[actix_rt::test]
async fn chunked_upstream_responses_arrive_whole() {
    bounded(async {
        let raw = start_raw_upstream().await;
        let proxy = start_proxy(
            loopback_settings(),
            registry(&[("raw", Entry::Record(Scheme::Http, raw.ip(), raw.port()))]),
        )
        .await;
        let mut res = client()
            .get(format!("{}/raw/raw-chunked", proxy.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        assert_eq!(res.headers().get("content-type").unwrap(), "text/plain");
        assert!(res.headers().get("content-length").is_none());
        assert_eq!(res.body().await.unwrap(), "alpha-beta-gamma-delta");
        proxy.handle.stop(false).await;
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Failures: 504, 502, 413, 400, 429, refused targets.

#[actix_rt::test]
async fn a_slow_upstream_gets_504_within_the_timeout() {
    bounded(async {
        let settings = ProxySettings {
            response_timeout_ms: 400,
            ..loopback_settings()
        };
        let (_, up_handle, proxy, _) = with_upstream_proxy(settings).await;
        let started = Instant::now();
        let mut res = client()
            .get(format!("{}/up/slow", proxy.base))
            .send()
            .await
            .unwrap();
        let took = started.elapsed();
        assert_problem(&mut res, 504, "upstream_timeout").await;
        assert!(took >= Duration::from_millis(400), "{took:?}");
        assert!(took < Duration::from_secs(3), "{took:?}");
        up_handle.stop(false).await;
        proxy.handle.stop(false).await;
    })
    .await;
}

#[actix_rt::test]
async fn a_stalled_response_body_is_cut_after_the_idle_timeout() {
    bounded(async {
        let settings = ProxySettings {
            idle_timeout_ms: 300,
            ..loopback_settings()
        };
        let (_, up_handle, proxy, _) = with_upstream_proxy(settings).await;
        let started = Instant::now();
        let mut res = client()
            .get(format!("{}/up/stall-body", proxy.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        let first = res.next().await.unwrap().unwrap();
        assert_eq!(first, "start");
        // Chunked to the client: the cut shows as a broken body, not a clean end.
        let rest = res.next().await;
        assert!(!matches!(rest, Some(Ok(_))), "{rest:?}");
        assert!(started.elapsed() < Duration::from_secs(5));
        up_handle.stop(false).await;
        proxy.handle.stop(false).await;
    })
    .await;
}

#[actix_rt::test]
async fn a_slow_reader_is_not_cut_by_the_idle_timeout() {
    bounded(async {
        let settings = ProxySettings {
            idle_timeout_ms: 300,
            ..loopback_settings()
        };
        let (_, up_handle, proxy, _) = with_upstream_proxy(settings).await;
        let size = 8 * MIB;
        let mut res = client()
            .get(format!("{}/up/download?size={size}", proxy.base))
            .send()
            .await
            .unwrap();
        let mut hash = Sha256::new();
        let mut len = 0;
        let first = res.next().await.unwrap().unwrap();
        len += first.len();
        hash.update(&first);
        // The client stops reading for longer than the idle timeout: backpressure, not silence.
        actix_rt::time::sleep(Duration::from_millis(1000)).await;
        while let Some(chunk) = res.next().await {
            let chunk = chunk.unwrap();
            len += chunk.len();
            hash.update(&chunk);
        }
        assert_eq!(len, size);
        assert_eq!(hex::encode(hash.finalize()), pattern_hash(size));
        up_handle.stop(false).await;
        proxy.handle.stop(false).await;
    })
    .await;
}

#[actix_rt::test]
async fn an_upstream_that_is_down_gets_502() {
    bounded(async {
        let closed = TcpListener::bind((LOCALHOST, 0)).unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let proxy = start_proxy(
            loopback_settings(),
            registry(&[("down", Entry::Record(Scheme::Http, LOCALHOST, port))]),
        )
        .await;
        let started = Instant::now();
        let mut res = client()
            .post(format!("{}/down/api/v1/scans", proxy.base))
            .send_body("x")
            .await
            .unwrap();
        assert_problem(&mut res, 502, "upstream_unavailable").await;
        assert!(started.elapsed() < Duration::from_secs(3));
        proxy.handle.stop(false).await;
    })
    .await;
}

#[actix_rt::test]
async fn https_without_tls_configuration_gets_502() {
    bounded(async {
        let proxy = start_proxy(
            loopback_settings(),
            registry(&[("tls", Entry::Record(Scheme::Https, LOCALHOST, 9))]),
        )
        .await;
        let mut res = client()
            .get(format!("{}/tls/x", proxy.base))
            .send()
            .await
            .unwrap();
        assert_problem(&mut res, 502, "upstream_unavailable").await;
        proxy.handle.stop(false).await;
    })
    .await;
}

#[actix_rt::test]
async fn bodies_over_the_limit_get_413() {
    bounded(async {
        let settings = ProxySettings {
            body_limit: MIB as u64,
            ..loopback_settings()
        };
        let (_, up_handle, proxy, _) = with_upstream_proxy(settings).await;
        // Declared too large: refused before anything is read or sent.
        let mut res = client()
            .post(format!("{}/up/upload", proxy.base))
            .send_body(SizedStream::new(2 * MIB as u64, pattern(2 * MIB)))
            .await
            .unwrap();
        let v = assert_problem(&mut res, 413, "payload_too_large").await;
        assert!(v["detail"].as_str().unwrap().contains("1048576"));
        // Chunked, found too large while streaming.
        let mut res = client()
            .post(format!("{}/up/upload", proxy.base))
            .send_stream(pattern(MIB + 64 * 1024))
            .await
            .unwrap();
        assert_problem(&mut res, 413, "payload_too_large").await;
        // Exactly the limit passes.
        let mut res = client()
            .post(format!("{}/up/upload", proxy.base))
            .send_stream(pattern(MIB))
            .await
            .unwrap();
        assert_eq!(json_of(&mut res).await["body_len"], MIB);
        up_handle.stop(false).await;
        proxy.handle.stop(false).await;
    })
    .await;
}

#[actix_rt::test]
async fn a_stalled_request_body_gets_408() {
    bounded(async {
        let settings = ProxySettings {
            idle_timeout_ms: 300,
            ..loopback_settings()
        };
        let (_, up_handle, proxy, _) = with_upstream_proxy(settings).await;
        let authority = proxy
            .base
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap();
        let mut conn = tokio::net::TcpStream::connect(authority).await.unwrap();
        // One chunk larger than awc's write buffer (so it reaches the upstream), then silence.
        let chunk = vec![b'a'; 64 * 1024];
        let head = format!(
            "POST /ECK/PROXY/up/upload HTTP/1.1\r\nHost: g\r\nConnection: close\r\n\
             Transfer-Encoding: chunked\r\n\r\n{:x}\r\n",
            chunk.len()
        );
        conn.write_all(head.as_bytes()).await.unwrap();
        conn.write_all(&chunk).await.unwrap();
        conn.write_all(b"\r\n").await.unwrap();
        let started = Instant::now();
        let mut response = vec![0u8; 4096];
        let n = conn.read(&mut response).await.unwrap();
        let text = String::from_utf8_lossy(&response[..n]).to_ascii_lowercase();
        assert!(text.starts_with("http/1.1 408"), "{text}");
        assert!(text.contains("request_body_timeout"), "{text}");
        assert!(started.elapsed() < Duration::from_secs(3));
        up_handle.stop(false).await;
        proxy.handle.stop(false).await;
    })
    .await;
}

#[actix_rt::test]
async fn an_instance_registered_at_the_proxy_itself_gets_508_not_a_loop() {
    bounded(async {
        let listener = TcpListener::bind((LOCALHOST, 0)).unwrap();
        let itself = listener.local_addr().unwrap();
        let proxy = start_proxy_on(
            listener,
            Forwarder::new(loopback_settings()).unwrap(),
            registry(&[(
                "self",
                Entry::Record(Scheme::Http, itself.ip(), itself.port()),
            )]),
        )
        .await;
        // One hop reaches the proxy again, with its Via; that hop is refused and the refusal
        // comes back through the first hop.
        let mut res = client()
            .get(format!(
                "{}/self/ECK/PROXY/self/ECK/PROXY/self/x",
                proxy.base
            ))
            .send()
            .await
            .unwrap();
        assert_problem(&mut res, 508, "proxy_loop").await;
        let mut res = client()
            .get(format!("{}/self/x", proxy.base))
            .insert_header(("via", "1.1 eckwms-global"))
            .send()
            .await
            .unwrap();
        assert_problem(&mut res, 508, "proxy_loop").await;
        proxy.handle.stop(false).await;
    })
    .await;
}

#[actix_rt::test]
async fn paths_that_would_escape_get_400() {
    bounded(async {
        let (_, up_handle, proxy, _) = with_upstream_proxy(loopback_settings()).await;
        for path in [
            "/up/%2e%2e/secret",
            "/up/api/..%2f..%2fsecret",
            "/up/a/%2E./b",
            "/up//evil.example/x",
        ] {
            let mut res = client()
                .get(format!("{}{path}", proxy.base))
                .send()
                .await
                .unwrap();
            assert_problem(&mut res, 400, "invalid_proxy_path").await;
        }
        up_handle.stop(false).await;
        proxy.handle.stop(false).await;
    })
    .await;
}

#[actix_rt::test]
async fn over_the_client_limit_gets_429_with_retry_after() {
    bounded(async {
        let settings = ProxySettings {
            rate_limit: RateLimitSettings {
                per_client: Limit {
                    per_second: 0.5,
                    burst: 2,
                },
                ..loopback_settings().rate_limit
            },
            ..loopback_settings()
        };
        let (_, up_handle, proxy, _) = with_upstream_proxy(settings).await;
        for _ in 0..2 {
            let res = client()
                .get(format!("{}/up/x", proxy.base))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status().as_u16(), 200);
        }
        let mut res = client()
            .get(format!("{}/up/x", proxy.base))
            .send()
            .await
            .unwrap();
        let retry_after: u64 = res
            .headers()
            .get("retry-after")
            .unwrap()
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=2).contains(&retry_after), "{retry_after}");
        let v = assert_problem(&mut res, 429, "rate_limited").await;
        assert!(v["detail"].as_str().unwrap().contains("client"));
        up_handle.stop(false).await;
        proxy.handle.stop(false).await;
    })
    .await;
}

#[actix_rt::test]
async fn the_instance_limit_counts_every_client_behind_a_trusted_proxy() {
    bounded(async {
        let settings = ProxySettings {
            trusted_proxies: vec!["127.0.0.0/8".parse().unwrap()],
            rate_limit: RateLimitSettings {
                per_client: Limit {
                    per_second: 0.001,
                    burst: 1,
                },
                per_instance: Limit {
                    per_second: 0.001,
                    burst: 3,
                },
                ..RateLimitSettings::default()
            },
            ..loopback_settings()
        };
        let (_, up_handle, proxy, _) = with_upstream_proxy(settings).await;
        let get = |client_ip: &'static str| {
            client()
                .get(format!("{}/up/x", proxy.base))
                .insert_header(("x-forwarded-for", client_ip))
                .send()
        };
        // Clients are told apart by the forwarded address (the peer is trusted).
        assert_eq!(get("198.51.100.1").await.unwrap().status().as_u16(), 200);
        let mut res = get("198.51.100.1").await.unwrap();
        assert_problem(&mut res, 429, "rate_limited").await;
        assert_eq!(get("198.51.100.2").await.unwrap().status().as_u16(), 200);
        assert_eq!(get("198.51.100.3").await.unwrap().status().as_u16(), 200);
        // The instance's burst of 3 is used up, whoever asks.
        let mut res = get("198.51.100.4").await.unwrap();
        assert!(res.headers().contains_key("retry-after"));
        let v = assert_problem(&mut res, 429, "rate_limited").await;
        assert!(v["detail"].as_str().unwrap().contains("instance"));
        up_handle.stop(false).await;
        proxy.handle.stop(false).await;
    })
    .await;
}

#[actix_rt::test]
async fn refused_targets_get_502_and_never_a_connection() {
    bounded(async {
        // A real upstream on loopback, to show that the refusal is not a connection failure.
        let (up, up_handle, _, _) = with_upstream_proxy(loopback_settings()).await;
        let open = AddressPolicy {
            allow_loopback: true,
            allow_private: true,
        };
        let prebuilt = Upstream::new(Scheme::Http, up.ip(), up.port(), &open).unwrap();
        let strict = ProxySettings {
            allow_loopback: false,
            ..loopback_settings()
        };
        let proxy = start_proxy(
            strict,
            registry(&[
                ("loop", Entry::Record(Scheme::Http, up.ip(), up.port())),
                (
                    "loop6",
                    Entry::Record(Scheme::Http, "::ffff:127.0.0.1".parse().unwrap(), up.port()),
                ),
                (
                    "meta",
                    Entry::Record(Scheme::Http, "169.254.169.254".parse().unwrap(), 80),
                ),
                (
                    "meta6",
                    Entry::Record(Scheme::Http, "fd00:ec2::254".parse().unwrap(), 80),
                ),
                (
                    "ali",
                    Entry::Record(Scheme::Http, "100.100.100.200".parse().unwrap(), 80),
                ),
                (
                    "ll",
                    Entry::Record(Scheme::Http, "169.254.10.1".parse().unwrap(), 80),
                ),
                (
                    "ll6",
                    Entry::Record(Scheme::Http, "fe80::1".parse().unwrap(), 80),
                ),
                (
                    "any",
                    Entry::Record(Scheme::Http, "0.0.0.0".parse().unwrap(), up.port()),
                ),
                ("prebuilt", Entry::Prebuilt(prebuilt)),
            ]),
        )
        .await;
        for instance in [
            "loop", "loop6", "meta", "meta6", "ali", "ll", "ll6", "any", "prebuilt",
        ] {
            let started = Instant::now();
            let mut res = client()
                .get(format!("{}/{instance}/x", proxy.base))
                .send()
                .await
                .unwrap();
            let v = assert_problem(&mut res, 502, "upstream_refused").await;
            assert!(v["detail"].as_str().unwrap().contains("refused"), "{v}");
            assert!(started.elapsed() < Duration::from_secs(2));
        }
        // The metadata address stays refused even where loopback is allowed.
        let forwarder = Forwarder::new(loopback_settings()).unwrap();
        assert_eq!(
            forwarder.upstream(Scheme::Http, "169.254.169.254".parse().unwrap(), 80),
            Err(Refusal::Metadata)
        );
        assert_eq!(
            forwarder.upstream(Scheme::Http, "::ffff:169.254.169.254".parse().unwrap(), 80),
            Err(Refusal::Metadata)
        );
        up_handle.stop(false).await;
        proxy.handle.stop(false).await;
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// HTTPS upstreams: a self-signed certificate for IP 127.0.0.1 (test-only files in tests/tls).

const UPSTREAM_CERT: &[u8] = include_bytes!("tls/upstream.cert.pem");
const UPSTREAM_KEY: &[u8] = include_bytes!("tls/upstream.key.pem");
const STRANGER_CERT: &[u8] = include_bytes!("tls/stranger.cert.pem");

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn upstream_tls() -> rustls::ServerConfig {
    let certs = rustls_pemfile::certs(&mut &UPSTREAM_CERT[..])
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = rustls_pemfile::private_key(&mut &UPSTREAM_KEY[..])
        .unwrap()
        .unwrap();
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    config
}

/// A client configuration that believes only `root`; offers `alpn`.
fn proxy_tls(root: &[u8], alpn: &[&[u8]]) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut &root[..]) {
        roots.add(cert.unwrap()).unwrap();
    }
    let mut config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Arc::new(config)
}

#[actix_rt::test]
async fn https_upstreams_over_http1_and_h2_with_verified_certificates() {
    bounded(async {
        let (up, up_handle) = start_upstream_with(Signals::default(), Some(upstream_tls())).await;
        let registry = || registry(&[("tls", Entry::Record(Scheme::Https, up.ip(), up.port()))]);
        for alpn in [
            &[b"http/1.1".as_slice()][..],
            &[b"h2".as_slice(), b"http/1.1".as_slice()][..],
        ] {
            let forwarder =
                Forwarder::with_tls(loopback_settings(), proxy_tls(UPSTREAM_CERT, alpn)).unwrap();
            let proxy = start_proxy_with(forwarder, registry()).await;
            let mut res = client()
                .get(format!("{}/tls/api/v1/items?x=1", proxy.base))
                .insert_header(("x-custom", "kept"))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status().as_u16(), 200, "alpn {alpn:?}");
            let v = json_of(&mut res).await;
            let expected = if alpn.len() == 2 {
                "HTTP/2.0"
            } else {
                "HTTP/1.1"
            };
            assert_eq!(v["version"], expected, "the protocol ALPN chose");
            assert_eq!(v["path"], "/api/v1/items");
            assert_eq!(v["query"], "x=1");
            assert_eq!(v["headers"]["x-custom"], json!(["kept"]));
            assert_eq!(
                v["headers"]["x-forwarded-prefix"],
                json!(["/ECK/PROXY/tls"])
            );
            let size = 3 * MIB + 7;
            let mut res = client()
                .post(format!("{}/tls/upload", proxy.base))
                .send_stream(pattern(size))
                .await
                .unwrap();
            let v = json_of(&mut res).await;
            assert_eq!(v["body_len"], size);
            assert_eq!(v["body_sha256"], pattern_hash(size));
            let mut res = client()
                .get(format!("{}/tls/download?size={size}", proxy.base))
                .send()
                .await
                .unwrap();
            let body = res.body().limit(16 * MIB).await.unwrap();
            assert_eq!(sha(&body), pattern_hash(size));
            proxy.handle.stop(false).await;
        }
        up_handle.stop(false).await;
    })
    .await;
}

#[actix_rt::test]
async fn an_https_upstream_with_an_untrusted_certificate_gets_502() {
    bounded(async {
        let (up, up_handle) = start_upstream_with(Signals::default(), Some(upstream_tls())).await;
        let forwarder = Forwarder::with_tls(
            loopback_settings(),
            proxy_tls(STRANGER_CERT, &[b"http/1.1"]),
        )
        .unwrap();
        let proxy = start_proxy_with(
            forwarder,
            registry(&[("tls", Entry::Record(Scheme::Https, up.ip(), up.port()))]),
        )
        .await;
        let mut res = client()
            .get(format!("{}/tls/x", proxy.base))
            .send()
            .await
            .unwrap();
        assert_problem(&mut res, 502, "upstream_unavailable").await;
        proxy.handle.stop(false).await;
        up_handle.stop(false).await;
    })
    .await;
}
