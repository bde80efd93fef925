//! Process-level behaviour: HTTPS when configured, graceful exit on SIGTERM, CLI commands.

use std::process::Command;

use crate::harness::{Backend, Server, database, fresh_dir};

#[test]
fn serves_https_when_a_certificate_is_configured() {
    let db = database(Backend::Sqlite).unwrap();
    let dir = fresh_dir("tls");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl is needed for this test");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let server = Server::start_with(
        db.url(),
        dir.clone(),
        &[
            ("ECKWMS__HTTP__TLS_CERT", cert.to_str().unwrap()),
            ("ECKWMS__HTTP__TLS_KEY", key.to_str().unwrap()),
        ],
    );
    assert!(server.base.starts_with("https://"), "{}", server.base);
    let out = Command::new("curl")
        .args(["-sk", "--max-time", "10", &server.url("/health")])
        .output()
        .expect("curl is needed for this test");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        r#"{"status":"ok"}"#
    );
    // Plain HTTP on the TLS port is not served.
    let plain = Command::new("curl")
        .args([
            "-s",
            "--max-time",
            "10",
            &server.url("/health").replacen("https", "http", 1),
        ])
        .output()
        .unwrap();
    assert_ne!(
        String::from_utf8_lossy(&plain.stdout).trim(),
        r#"{"status":"ok"}"#
    );
    assert!(server.terminate().success());
}

#[test]
fn sigterm_stops_the_service_cleanly() {
    use std::io::{Read, Write};
    let db = database(Backend::Sqlite).unwrap();
    // A drain deadline far beyond the assertion below: only closing idle connections at once
    // lets the process exit in time.
    let server = Server::start_with(
        db.url(),
        fresh_dir("bb"),
        &[("ECKWMS__HTTP__SHUTDOWN_TIMEOUT_SECS", "120")],
    );
    // An idle keep-alive connection, as nginx keeps them.
    let address = server.base.trim_start_matches("http://").to_owned();
    let mut idle = std::net::TcpStream::connect(&address).unwrap();
    idle.set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    write!(idle, "GET /health HTTP/1.1\r\nHost: {address}\r\n\r\n").unwrap();
    let mut first = [0u8; 512];
    let n = idle.read(&mut first).unwrap();
    assert!(first[..n].starts_with(b"HTTP/1.1 200"));
    let started = std::time::Instant::now();
    let status = server.terminate();
    assert!(status.success(), "{status:?}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "an idle keep-alive connection held the shutdown for {:?}",
        started.elapsed()
    );
    // The idle connection was closed by the server, not left hanging.
    assert_eq!(idle.read(&mut first).unwrap(), 0);
}

#[test]
fn sigterm_drains_a_request_in_flight() {
    use std::io::{Read, Write};
    let db = database(Backend::Sqlite).unwrap();
    let server = Server::start(db.url());
    let address = server.base.trim_start_matches("http://").to_owned();
    let body = br#"{"name": "in flight"}"#;
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    // Headers and half of the body: the request is in flight when the signal comes.
    write!(
        stream,
        "POST /api/v1/items HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        server.admin_key,
        body.len()
    )
    .unwrap();
    stream.write_all(&body[..5]).unwrap();
    stream.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let pid = server.pid().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    std::thread::sleep(std::time::Duration::from_millis(500));
    // New connections are refused while the request in flight still completes.
    assert!(
        std::net::TcpStream::connect(&address).is_err(),
        "still accepting after SIGTERM"
    );
    stream.write_all(&body[5..]).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    if !response.starts_with("HTTP/1.1 201") {
        std::thread::sleep(std::time::Duration::from_secs(2));
        let log: Vec<String> = server.log.try_iter().collect();
        panic!("response: {response:?}\nserver log:\n{}", log.join("\n"));
    }
    // Drained: the process exits by itself, successfully (a second signal would exit at once).
    let status = server.wait();
    assert!(status.success(), "{status:?}");
}

#[test]
fn migrate_and_unknown_configuration_are_reported() {
    let db = database(Backend::Sqlite).unwrap();
    let dir = fresh_dir("cli");
    let run = |args: &[&str], env: &[(&str, &str)]| {
        Command::new(crate::harness::BIN)
            .args(args)
            .current_dir(&dir)
            .env("ECKWMS__DATABASE__URL", db.url())
            .envs(env.iter().copied())
            .output()
            .unwrap()
    };
    let first = run(&["migrate"], &[]);
    assert!(first.status.success());
    // Every migration of the SQLite folder, whatever their number.
    let migrations = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/migrations/instance/sqlite"
    ))
    .unwrap()
    .filter(|entry| entry.as_ref().unwrap().path().is_dir())
    .count();
    let applied = format!("{migrations} migration(s) applied");
    assert!(
        String::from_utf8_lossy(&first.stdout).contains(&applied),
        "{applied}: {}",
        String::from_utf8_lossy(&first.stdout)
    );
    let again = run(&["migrate"], &[]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 migration(s) applied"));
    let bad = run(&["migrate"], &[("ECKWMS__HTTP__NOPE", "1")]);
    assert!(!bad.status.success());
    let wrong_url = run(
        &["migrate"],
        &[(
            "ECKWMS__DATABASE__URL",
            "postgres://u:hunter2@127.0.0.1:1/x",
        )],
    );
    assert!(!wrong_url.status.success());
    let stderr = String::from_utf8_lossy(&wrong_url.stderr);
    assert!(!stderr.contains("hunter2"), "password leaked: {stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
