//! Starts the real `eckwms` binary on a fresh database and talks to it over HTTP.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use awc::Client;
use awc::http::StatusCode;
use eckwms_adapter_db::testing::TestDatabase;
use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_eckwms");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database for one test, on the chosen backend; `None` when PostgreSQL is not configured.
pub fn database(backend: Backend) -> Option<TestDatabase> {
    match backend {
        Backend::Sqlite => Some(TestDatabase::sqlite()),
        Backend::Postgres => TestDatabase::postgres(),
    }
}

/// A new, empty directory under the system's temporary directory.
pub fn fresh_dir(prefix: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("eckwms-{prefix}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// One running `eckwms serve` process.
pub struct Server {
    child: Child,
    pub base: String,
    pub admin_key: String,
    pub dir: PathBuf,
    pub db_url: String,
    /// Log lines up to "listening".
    pub startup_log: Vec<String>,
    /// Log lines after that, as they come.
    pub log: mpsc::Receiver<String>,
}

impl Server {
    /// Starts a server on the database with a private working directory.
    pub fn start(db_url: &str) -> Server {
        Self::start_in(db_url, fresh_dir("bb"))
    }

    pub fn start_in(db_url: &str, dir: PathBuf) -> Server {
        Self::start_with(db_url, dir, &[])
    }

    /// Starts a server with extra environment variables (configuration overrides).
    pub fn start_with(db_url: &str, dir: PathBuf, env: &[(&str, &str)]) -> Server {
        let key_file = dir.join("admin.key");
        let mut child = Command::new(BIN)
            .arg("serve")
            .current_dir(&dir)
            .env("ECKWMS__DATABASE__URL", db_url)
            .env("ECKWMS__HTTP__BIND", "127.0.0.1:0")
            .env("ECKWMS__HTTP__WORKERS", "2")
            .env("ECKWMS__AUTH__BOOTSTRAP_KEY_FILE", &key_file)
            .env("ECKWMS__LOG__FORMAT", "json")
            .env("ECKWMS__LOG__LEVEL", "info")
            .env_remove("RUST_LOG")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting eckwms");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut address = None;
        let mut scheme = String::from("http");
        let mut seen = Vec::new();
        while address.is_none() {
            let line = rx
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| {
                    panic!("eckwms did not start; log so far:\n{}", seen.join("\n"))
                });
            if let Ok(json) = serde_json::from_str::<Value>(&line)
                && json["fields"]["message"] == "listening"
            {
                address = json["fields"]["address"].as_str().map(str::to_owned);
                if let Some(s) = json["fields"]["scheme"].as_str() {
                    scheme = s.to_owned();
                }
            }
            seen.push(line);
        }
        // A second process on a database that has keys writes no key file: reuse the first's.
        let admin_key = std::fs::read_to_string(&key_file)
            .unwrap_or_default()
            .trim()
            .to_owned();
        Server {
            child,
            base: format!("{scheme}://{}", address.unwrap()),
            admin_key,
            dir,
            db_url: db_url.to_owned(),
            startup_log: seen,
            log: rx,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Runs an `eckwms` subcommand against the same database; returns (exit code, stdout).
    pub fn command(&self, args: &[&str]) -> (i32, String) {
        let output = Command::new(BIN)
            .args(args)
            .current_dir(&self.dir)
            .env("ECKWMS__DATABASE__URL", &self.db_url)
            .env("ECKWMS__LOG__LEVEL", "warn")
            .output()
            .expect("running eckwms");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        match output.status.code() {
            Some(code) => (code, stdout),
            None => panic!(
                "eckwms {args:?} ended by signal {:?}; stderr:\n{}",
                std::os::unix::process::ExitStatusExt::signal(&output.status),
                String::from_utf8_lossy(&output.stderr)
            ),
        }
    }

    /// [`Server::command`] with `input` on standard input (a pipe, not a terminal).
    pub fn command_with_input(&self, args: &[&str], input: &str) -> (i32, String) {
        use std::io::Write;
        let mut child = Command::new(BIN)
            .args(args)
            .current_dir(&self.dir)
            .env("ECKWMS__DATABASE__URL", &self.db_url)
            .env("ECKWMS__LOG__LEVEL", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("running eckwms");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the process to exit by itself.
    pub fn wait(mut self) -> std::process::ExitStatus {
        let status = self.child.wait().unwrap();
        let _ = std::fs::remove_dir_all(&self.dir);
        status
    }

    /// Sends SIGTERM, waits for the exit status and returns it with the log printed after
    /// startup (for failure messages).
    pub fn terminate_with_log(mut self) -> (std::process::ExitStatus, String) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let status = self.child.wait().unwrap();
        // The reader thread ends when the process's stderr closes.
        let log: Vec<String> = self.log.iter().collect();
        let _ = std::fs::remove_dir_all(&self.dir);
        (status, log.join("\n"))
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn terminate(self) -> std::process::ExitStatus {
        self.terminate_with_log().0
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A JSON API client with a key.
#[derive(Clone)]
pub struct Api {
    client: Client,
    base: String,
    key: String,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: awc::http::header::HeaderMap,
    pub body: Value,
    pub raw: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    /// Asserts a problem+json error body with this status and code.
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/problem+json"),
            "{}",
            self.body
        );
        assert_eq!(self.body["code"], code, "{}", self.body);
        assert_eq!(self.body["status"], status);
        assert!(self.body["title"].is_string() && self.body["detail"].is_string());
    }
}

impl Api {
    pub fn new(server: &Server, key: &str) -> Api {
        Api {
            client: Client::builder().timeout(Duration::from_secs(30)).finish(),
            base: server.base.clone(),
            key: key.to_owned(),
        }
    }

    pub async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Reply {
        let method = awc::http::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self
            .client
            .request(method, format!("{}{}", self.base, path));
        // An empty key sends no credential (a public route, a scanner's signed request).
        if !self.key.is_empty() {
            request = request.insert_header(("Authorization", format!("Bearer {}", self.key)));
        }
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        let mut response = match body {
            Some(bytes) => request
                .insert_header(("Content-Type", "application/json"))
                .send_body(bytes)
                .await
                .unwrap(),
            None => request.send().await.unwrap(),
        };
        let raw = response
            .body()
            .limit(64 * 1024 * 1024)
            .await
            .unwrap()
            .to_vec();
        let body = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        Reply {
            status: response.status(),
            headers: response.headers().clone(),
            body,
            raw,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send("GET", path, &[], None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send("POST", path, &[], Some(body.to_string().into_bytes()))
            .await
    }

    /// POSTs and asserts 201; returns the created object.
    pub async fn create(&self, path: &str, body: Value) -> Value {
        let reply = self.post(path, body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.body
    }
}
