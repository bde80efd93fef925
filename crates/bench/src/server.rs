//! Child processes: the release `eckwms serve`, and the bare actix-web server (this same
//! executable, hidden subcommand), each on its own free loopback port.

use std::fs::File;
use std::io::Write as _;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};

/// How long a server may take to accept connections after it was started.
const START_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a server may take to exit after SIGTERM before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(40);

/// A running server process; stopped (SIGTERM, then SIGKILL) when dropped.
pub struct Server {
    child: Option<Child>,
    pub pid: u32,
    pub base: String,
    log: PathBuf,
}

/// `eckwms-global instance enroll --name NAME`: the one-time enrollment token it prints.
pub fn global_enroll(
    binary: &Path,
    config: &Path,
    dir: &Path,
    name: &str,
) -> anyhow::Result<String> {
    let mut command = Command::new(binary);
    command
        .arg("--config")
        .arg(config)
        .args(["instance", "enroll", "--name", name]);
    global_env(&mut command, dir);
    let output = command
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {} instance enroll", binary.display()))?;
    if !output.status.success() {
        bail!(
            "eckwms-global instance enroll failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let token = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if token.is_empty() || token.contains(char::is_whitespace) {
        bail!("eckwms-global instance enroll printed no single token: {token:?}");
    }
    Ok(token)
}

/// Only the configuration file speaks: no inherited `ECKWMS_GLOBAL...` variables, no `.env`
/// or config/global.toml (the working directory is the bench's own).
fn global_env(command: &mut Command, dir: &Path) {
    command.current_dir(dir).env_remove("RUST_LOG");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("ECKWMS_GLOBAL") {
            command.env_remove(name);
        }
    }
}

/// `eckwms <args>` on the database at `db_url`, run in `dir` as an operator runs it beside the
/// service (the same settings as [`Server::eckwms`] gives the service), with `input` on its
/// standard input: what it printed on standard output.
pub fn eckwms_command(
    binary: &Path,
    db_url: &str,
    dir: &Path,
    args: &[&str],
    input: &str,
) -> anyhow::Result<String> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut child = Command::new(binary)
        .args(args)
        .current_dir(dir)
        .env("ECKWMS__DATABASE__URL", db_url)
        .env("ECKWMS__LOG__LEVEL", "warn")
        .env_remove("RUST_LOG")
        .env_remove("ECKWMS_ENV")
        .env_remove("ECKWMS_CONFIG_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("running {} {}", binary.display(), args.join(" ")))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(input.as_bytes())
            .with_context(|| format!("writing to eckwms {}", args.join(" ")))?;
    }
    let output = child
        .wait_with_output()
        .with_context(|| format!("waiting for eckwms {}", args.join(" ")))?;
    if !output.status.success() {
        bail!(
            "eckwms {} failed ({}): {}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

impl Server {
    /// Starts `eckwms serve` on the database, in `dir`, and returns it with the admin key.
    pub fn eckwms(binary: &Path, db_url: &str, dir: &Path) -> anyhow::Result<(Server, String)> {
        Self::eckwms_with_workers(binary, db_url, dir, None)
    }

    /// [`eckwms`](Self::eckwms) with `http.workers` set (`None`: the default, one per CPU).
    pub fn eckwms_with_workers(
        binary: &Path,
        db_url: &str,
        dir: &Path,
        workers: Option<usize>,
    ) -> anyhow::Result<(Server, String)> {
        let env: Vec<(&str, String)> = workers
            .map(|n| ("ECKWMS__HTTP__WORKERS", n.to_string()))
            .into_iter()
            .collect();
        Self::eckwms_with(binary, db_url, dir, &env)
    }

    /// [`eckwms`](Self::eckwms) with these settings (`ECKWMS__...` variables) besides the
    /// defaults; the admin key is read from `dir/admin.key` (copy it there first when the
    /// database has its key already).
    pub fn eckwms_with(
        binary: &Path,
        db_url: &str,
        dir: &Path,
        env: &[(&str, String)],
    ) -> anyhow::Result<(Server, String)> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let port = free_port()?;
        let key_file = dir.join("admin.key");
        let log = dir.join("eckwms.log");
        let mut command = Command::new(binary);
        command
            .arg("serve")
            .current_dir(dir)
            .env("ECKWMS__DATABASE__URL", db_url)
            .env("ECKWMS__HTTP__BIND", format!("127.0.0.1:{port}"))
            .env("ECKWMS__AUTH__BOOTSTRAP_KEY_FILE", &key_file)
            .env("ECKWMS__LOG__LEVEL", "warn")
            .env_remove("RUST_LOG")
            .env_remove("ECKWMS_ENV")
            .env_remove("ECKWMS_CONFIG_DIR")
            .env_remove("ECKWMS__HTTP__WORKERS")
            .env_remove("ECKWMS__DATABASE__POOL_SIZE")
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())));
        let server = Self::spawn(command, port, log)?;
        let key = std::fs::read_to_string(&key_file)
            .with_context(|| {
                format!(
                    "reading the admin key from {} (the database had keys already?)",
                    key_file.display()
                )
            })?
            .trim()
            .to_owned();
        if key.is_empty() {
            bail!("the admin key file {} is empty", key_file.display());
        }
        Ok((server, key))
    }

    /// Starts `eckwms-global serve` with the configuration file `config` (which names its
    /// database and its loopback address `port`), in `dir`.
    pub fn global(binary: &Path, config: &Path, port: u16, dir: &Path) -> anyhow::Result<Server> {
        let mut command = Command::new(binary);
        command.arg("--config").arg(config).arg("serve");
        global_env(&mut command, dir);
        Self::spawn(command, port, dir.join("eckwms-global.log"))
    }

    /// Starts the bare actix-web `GET /health` server (this executable's hidden subcommand).
    pub fn bare(dir: &Path) -> anyhow::Result<Server> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let port = free_port()?;
        let me = std::env::current_exe().context("locating this executable")?;
        let mut command = Command::new(me);
        command
            .arg("bare-health")
            .arg("--bind")
            .arg(format!("127.0.0.1:{port}"))
            .current_dir(dir);
        Self::spawn(command, port, dir.join("bare.log"))
    }

    fn spawn(mut command: Command, port: u16, log: PathBuf) -> anyhow::Result<Server> {
        let log_file = File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .with_context(|| format!("starting {:?}", command.get_program()))?;
        let mut server = Server {
            pid: child.id(),
            child: Some(child),
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        server.wait_listening(port)?;
        Ok(server)
    }

    fn wait_listening(&mut self, port: u16) -> anyhow::Result<()> {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let started = Instant::now();
        loop {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                self.child = None;
                bail!(
                    "the server exited before listening ({status}); its log:\n{}",
                    self.log_tail()
                );
            }
            if started.elapsed() > START_TIMEOUT {
                bail!(
                    "the server did not listen on port {port} within {} s; its log:\n{}",
                    START_TIMEOUT.as_secs(),
                    self.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The last lines the server wrote to standard error.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// SIGTERM, then waits for the exit (SIGKILL after a while); returns how it ended.
    pub fn stop(mut self) -> anyhow::Result<String> {
        self.terminate()
    }

    fn terminate(&mut self) -> anyhow::Result<String> {
        let Some(mut child) = self.child.take() else {
            return Ok("already exited".into());
        };
        if child.try_wait()?.is_none() {
            // The standard library only sends SIGKILL; SIGTERM goes through kill(1).
            let sent = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status()
                .context("running kill -TERM")?;
            if !sent.success() {
                return Err(anyhow!("kill -TERM {} failed", child.id()));
            }
        }
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait()? {
                return Ok(format!("{status} after SIGTERM"));
            }
            if started.elapsed() > STOP_TIMEOUT {
                child.kill()?;
                let status = child.wait()?;
                return Ok(format!(
                    "{status}: killed, SIGTERM did not stop it within {} s",
                    STOP_TIMEOUT.as_secs()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Err(e) = self.terminate() {
            eprintln!("bench: stopping server {}: {e:#}", self.pid);
        }
    }
}
