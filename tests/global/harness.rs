//! Starts `eckwms-global` on a fresh database and talks to it over HTTP.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use awc::Client;
use eckwms_global_adapter_db::testing::TestDatabase;
use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_eckwms-global");
pub const ADMIN_KEY: &str = "test-admin-key-0123456789abcdef0123456789";
pub const PUBLIC_URL: &str = "https://global.example";

/// SQLite, and PostgreSQL when configured.
pub fn databases() -> Vec<TestDatabase> {
    let mut all = vec![TestDatabase::sqlite()];
    all.extend(TestDatabase::postgres());
    all
}

pub fn fresh_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "eckwms-global-bb-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub struct Server {
    child: Child,
    pub base: String,
    pub dir: PathBuf,
    pub db_url: String,
    /// Log lines before "listening".
    pub startup_log: Vec<String>,
}

impl Server {
    pub fn start(db_url: &str) -> Server {
        Self::start_with(db_url, &[])
    }

    pub fn start_with(db_url: &str, env: &[(&str, &str)]) -> Server {
        let dir = fresh_dir();
        let mut child = Command::new(BIN)
            .arg("serve")
            .current_dir(&dir)
            .env("ECKWMS_GLOBAL__DATABASE__URL", db_url)
            .env("ECKWMS_GLOBAL__HTTP__BIND", "127.0.0.1:0")
            .env("ECKWMS_GLOBAL__HTTP__WORKERS", "2")
            .env("ECKWMS_GLOBAL__AUTH__ADMIN_KEY", ADMIN_KEY)
            .env("ECKWMS_GLOBAL__SERVICE__PUBLIC_URL", PUBLIC_URL)
            .env("ECKWMS_GLOBAL__LOG__FORMAT", "json")
            .env("ECKWMS_GLOBAL__LOG__LEVEL", "info")
            .env_remove("RUST_LOG")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting eckwms-global");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut seen = Vec::new();
        let address = loop {
            let line = rx
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("eckwms-global did not start:\n{}", seen.join("\n")));
            if let Ok(json) = serde_json::from_str::<Value>(&line)
                && json["fields"]["message"] == "listening"
            {
                break json["fields"]["address"].as_str().unwrap().to_owned();
            }
            seen.push(line);
        };
        // Keep draining the log so that the process never blocks on a full pipe.
        std::thread::spawn(move || while rx.recv().is_ok() {});
        Server {
            child,
            base: format!("http://{address}"),
            dir,
            db_url: db_url.to_owned(),
            startup_log: seen,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Runs a subcommand on the same database: (exit code, stdout, stderr).
    pub fn command(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(BIN)
            .args(args)
            .current_dir(&self.dir)
            .env("ECKWMS_GLOBAL__DATABASE__URL", &self.db_url)
            .env("ECKWMS_GLOBAL__LOG__LEVEL", "warn")
            .output()
            .expect("running eckwms-global");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// A new enrollment token from the CLI (printed alone on stdout).
    pub fn enroll(&self, name: &str) -> String {
        let (code, out, err) = self.command(&["instance", "enroll", "--name", name]);
        assert_eq!(code, 0, "{err}");
        let token = out.trim().to_owned();
        assert_eq!(out, format!("{token}\n"), "the token alone on stdout");
        token
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, then the exit status.
    pub fn terminate(mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        self.child.wait().expect("waiting for eckwms-global")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn client() -> Client {
    Client::builder().timeout(Duration::from_secs(30)).finish()
}

/// A response: status, headers of interest and the JSON body (Null when empty or not JSON).
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub request_id: Option<String>,
    pub body: Value,
}

pub async fn send(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Answer {
    let method = awc::http::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = client().request(method, url);
    for (k, v) in headers {
        req = req.insert_header((*k, *v));
    }
    let mut res = match body {
        Some(b) => req.send_body(b.to_vec()).await.unwrap(),
        None => req.send().await.unwrap(),
    };
    let bytes = res.body().limit(16 * 1024 * 1024).await.unwrap();
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    Answer {
        status: res.status().as_u16(),
        content_type: header("content-type").unwrap_or_default(),
        request_id: header("x-request-id"),
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

pub async fn post_json(url: &str, headers: &[(&str, &str)], body: &Value) -> Answer {
    let mut all = vec![("Content-Type", "application/json")];
    all.extend_from_slice(headers);
    send("POST", url, &all, Some(body.to_string().as_bytes())).await
}

pub async fn get(url: &str, headers: &[(&str, &str)]) -> Answer {
    send("GET", url, headers, None).await
}
