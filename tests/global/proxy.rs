//! The routing proxy against a real upstream on loopback: forwarding from the registered
//! record only.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;

use crate::harness::{ADMIN_KEY, Server, databases, get, post_json, send};

pub(crate) const INSTANCE: &str = "2b0e6f3a-1234-4abc-8def-0123456789ab";
const SERVER_KEY: &str = "3B6A27BCCEB6A42D62A3A8D02A6F0D73653215771DE243A63AC048A18B59DA29";

/// A loopback HTTP server answering every request with its request line; counts requests.
fn upstream() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let counter = counter.clone();
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                    head.push(byte[0]);
                }
                counter.fetch_add(1, Ordering::SeqCst);
                let text = String::from_utf8_lossy(&head).into_owned();
                let length: usize = text
                    .lines()
                    .find_map(|l| {
                        let (name, value) = l.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse().ok())?
                    })
                    .unwrap_or(0);
                let mut body = vec![0u8; length];
                if stream.read_exact(&mut body).is_err() {
                    return;
                }
                let mut line = text.lines().next().unwrap_or_default().to_owned();
                if length > 0 {
                    line = format!("{line} body={length}");
                }
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{line}",
                    line.len()
                );
            });
        }
    });
    (port, hits)
}

pub(crate) async fn register(server: &Server, port: u16) {
    let token = server.enroll("Proxied");
    let r = post_json(
        &server.url("/ECK/API/INTERNAL/REGISTER-INSTANCE"),
        &[("X-Enrollment-Token", &token)],
        &json!({"instanceId": INSTANCE, "serverPublicKey": SERVER_KEY,
                "localIps": ["127.0.0.1"], "port": port}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
}

async fn text(server: &Server, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut res = awc::Client::default().get(server.url(path));
    for (k, v) in headers {
        res = res.insert_header((*k, *v));
    }
    let mut res = res.send().await.unwrap();
    let body = res.body().await.unwrap();
    (
        res.status().as_u16(),
        String::from_utf8_lossy(&body).into_owned(),
    )
}

#[actix_rt::test]
async fn forwards_to_the_registered_instance_only() {
    for db in databases() {
        let (port, hits) = upstream();
        let server = Server::start_with(
            db.url(),
            &[("ECKWMS_GLOBAL__PROXY__ALLOW_LOOPBACK", "true")],
        );
        register(&server, port).await;
        let (status, body) = text(
            &server,
            &format!("/ECK/PROXY/{INSTANCE}/api/v1/items?limit=2"),
            &[],
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body, "GET /api/v1/items?limit=2 HTTP/1.1");
        assert_eq!(hits.load(Ordering::SeqCst), 1);

        // The legacy header: a registered candidate is honoured, anything else refused
        // before the upstream is contacted.
        let own = format!("http://127.0.0.1:{port}");
        let (status, _) = text(
            &server,
            &format!("/ECK/PROXY/{INSTANCE}/x"),
            &[("X-eckWMS-Target-Url", &own)],
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(hits.load(Ordering::SeqCst), 2);
        for target in [
            "http://169.254.169.254:80",
            "http://10.0.0.1:3100",
            "http://example.com",
        ] {
            let r = send(
                "GET",
                &server.url(&format!("/ECK/PROXY/{INSTANCE}/x")),
                &[("X-eckWMS-Target-Url", target)],
                None,
            )
            .await;
            assert!(matches!(r.status, 400 | 403), "{target}: {}", r.status);
            assert_eq!(r.content_type, "application/problem+json");
        }
        assert_eq!(hits.load(Ordering::SeqCst), 2);

        // Unknown and disabled instances are not proxied.
        let unknown = get(
            &server.url("/ECK/PROXY/3b0e6f3a-1234-4abc-8def-0123456789ab/x"),
            &[],
        )
        .await;
        assert_eq!(unknown.status, 404);
        let bad = get(&server.url("/ECK/PROXY/not-an-id/x"), &[]).await;
        assert_eq!(bad.status, 400);
        let auth = format!("Bearer {ADMIN_KEY}");
        post_json(
            &server.url(&format!("/ECK/API/ADMIN/INSTANCES/{INSTANCE}/DISABLE")),
            &[("Authorization", &auth)],
            &json!({}),
        )
        .await;
        let disabled = get(&server.url(&format!("/ECK/PROXY/{INSTANCE}/x")), &[]).await;
        assert_eq!(disabled.status, 404);
        assert_eq!(hits.load(Ordering::SeqCst), 2);
    }
}

#[actix_rt::test]
async fn loopback_upstreams_are_refused_by_default() {
    let db = eckwms_global_adapter_db::testing::TestDatabase::sqlite();
    let (port, hits) = upstream();
    let server = Server::start(db.url());
    register(&server, port).await;
    let r = get(&server.url(&format!("/ECK/PROXY/{INSTANCE}/x")), &[]).await;
    assert_eq!(r.status, 502, "{}", r.body);
    assert_eq!(r.content_type, "application/problem+json");
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}

#[actix_rt::test]
async fn a_client_over_its_rate_gets_429() {
    let db = eckwms_global_adapter_db::testing::TestDatabase::sqlite();
    let (port, hits) = upstream();
    let server = Server::start_with(
        db.url(),
        &[
            ("ECKWMS_GLOBAL__PROXY__ALLOW_LOOPBACK", "true"),
            (
                "ECKWMS_GLOBAL__PROXY__RATE_LIMIT__PER_CLIENT__PER_SECOND",
                "0.01",
            ),
            ("ECKWMS_GLOBAL__PROXY__RATE_LIMIT__PER_CLIENT__BURST", "2"),
        ],
    );
    register(&server, port).await;
    let path = format!("/ECK/PROXY/{INSTANCE}/x");
    assert_eq!(get(&server.url(&path), &[]).await.status, 200);
    assert_eq!(get(&server.url(&path), &[]).await.status, 200);
    let limited = get(&server.url(&path), &[]).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.content_type, "application/problem+json");
    assert_eq!(hits.load(Ordering::SeqCst), 2);
}

#[actix_rt::test]
async fn large_bodies_pass_and_a_dead_upstream_is_a_502() {
    let db = eckwms_global_adapter_db::testing::TestDatabase::sqlite();
    let (port, hits) = upstream();
    let server = Server::start_with(
        db.url(),
        &[("ECKWMS_GLOBAL__PROXY__ALLOW_LOOPBACK", "true")],
    );
    register(&server, port).await;
    // 3 MiB, three times the API's body limit: the proxy streams it under proxy.body_limit.
    let body = vec![b'x'; 3 * 1024 * 1024];
    let mut res = awc::Client::default()
        .post(server.url(&format!("/ECK/PROXY/{INSTANCE}/upload")))
        .send_body(body)
        .await
        .unwrap();
    let text = res.body().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(
        String::from_utf8_lossy(&text),
        "POST /upload HTTP/1.1 body=3145728"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 1);

    // An instance whose port has nothing listening.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_port = closed.local_addr().unwrap().port();
    drop(closed);
    let token = server.enroll("Dead");
    let dead = "4b0e6f3a-1234-4abc-8def-0123456789ab";
    let r = post_json(
        &server.url("/ECK/API/INTERNAL/REGISTER-INSTANCE"),
        &[("X-Enrollment-Token", &token)],
        &json!({"instanceId": dead, "serverPublicKey": SERVER_KEY, "localIps": [], "port": dead_port}),
    )
    .await;
    assert_eq!(r.status, 201);
    let r = get(&server.url(&format!("/ECK/PROXY/{dead}/x")), &[]).await;
    assert_eq!(r.status, 502, "{}", r.body);
    assert_eq!(r.content_type, "application/problem+json");
}
