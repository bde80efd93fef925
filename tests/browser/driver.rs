//! `chromedriver` and a headless Chromium session on it.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use crate::harness::Server;

/// The `chromedriver` to run: `ECKWMS_CHROMEDRIVER`, else the first on the PATH.
fn chromedriver() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("ECKWMS_CHROMEDRIVER") {
        return Some(PathBuf::from(path));
    }
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| PathBuf::from(dir).join("chromedriver"))
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `chromedriver`, stopped on drop.
pub struct Driver {
    child: Child,
    pub url: String,
}

impl Drop for Driver {
    /// Kills the driver's whole process group: the Chromium it started too, also when a test
    /// panics before it closed its session.
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    /// Starts `chromedriver`; `None` (the test is skipped, and says so) when there is none and
    /// `ECKWMS_REQUIRE_BROWSER` is not `1`.
    pub fn start() -> Option<Driver> {
        let Some(binary) = chromedriver() else {
            assert!(
                std::env::var("ECKWMS_REQUIRE_BROWSER").as_deref() != Ok("1"),
                "ECKWMS_REQUIRE_BROWSER=1 but no chromedriver was found: install the Debian \
                 packages chromium and chromium-driver"
            );
            eprintln!(
                "browser test SKIPPED: no chromedriver (install chromium and chromium-driver)"
            );
            return None;
        };
        let port = free_port();
        // A process group of its own (its id is the driver's), which the drop kills.
        let child = Command::new(&binary)
            .process_group(0)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", binary.display()));
        let driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(driver)
    }

    /// A new headless browser session with `lang` as the browser's language.
    pub async fn browser(&self, lang: &str) -> Browser {
        let mut caps = Capabilities::new();
        let mut options = json!({
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--window-size=1280,1000",
                format!("--lang={lang}"),
            ],
            "prefs": { "intl.accept_languages": lang },
        });
        if let Ok(binary) = std::env::var("ECKWMS_CHROMIUM") {
            options["binary"] = json!(binary);
        } else if std::path::Path::new("/usr/bin/chromium").exists() {
            options["binary"] = json!("/usr/bin/chromium");
        }
        caps.insert("goog:chromeOptions".into(), options);
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("a Chromium session");
        Browser { client }
    }
}

/// The manager every browser test logs in as, and her passphrase.
pub const MANAGER: &str = "mara";
pub const MANAGER_PASSPHRASE: &str = "manager passphrase";

/// Creates the manager [`MANAGER`] on `server`, at the command line as an operator would.
pub fn create_manager(server: &Server) {
    let (code, out) = server.command_with_input(
        &[
            "user",
            "create",
            "--username",
            MANAGER,
            "--role",
            "MANAGER",
            "--display-name",
            "Mara Manager",
        ],
        &format!("{MANAGER_PASSPHRASE}\n"),
    );
    assert_eq!(code, 0, "{out}");
}

/// One browser session.
pub struct Browser {
    pub client: Client,
}

impl Browser {
    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    /// Types `text` into the field named `name` of the form `form` (a CSS selector).
    pub async fn fill(&self, form: &str, name: &str, text: &str) {
        let field = self
            .client
            .find(Locator::Css(&format!("{form} [name=\"{name}\"]")))
            .await
            .unwrap_or_else(|e| panic!("{form} [name={name}]: {e}"));
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Submits the form `form` with its submit button, and waits for the next page.
    pub async fn submit(&self, form: &str) {
        let button = self
            .client
            .find(Locator::Css(&format!("{form} [type=\"submit\"]")))
            .await
            .unwrap_or_else(|e| panic!("{form} submit: {e}"));
        let before = self.page().await;
        button.click().await.unwrap();
        self.next_page(before).await;
    }

    /// The text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .text()
            .await
            .unwrap()
    }

    /// Clicks the first element matching `css` and waits for the page it leads to.
    pub async fn click(&self, css: &str) {
        let before = self.page().await;
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .unwrap();
        self.next_page(before).await;
    }

    /// The document element of the page shown now.
    async fn page(&self) -> fantoccini::elements::ElementRef {
        self.client
            .find(Locator::Css("html"))
            .await
            .unwrap()
            .element_id()
    }

    /// Waits until the browser shows another page than `before` (the old page's own
    /// elements would otherwise satisfy a wait for the next one's), then for its content.
    async fn next_page(&self, before: fantoccini::elements::ElementRef) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let now = self.client.find(Locator::Css("html")).await;
            if now.is_ok_and(|html| html.element_id() != before) {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "no new page came");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        self.client
            .wait()
            .for_element(Locator::Css("footer, main"))
            .await
            .unwrap();
    }

    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// Writes a screenshot to `target/screenshots/<name>.png`.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    /// Fills in the login form shown and sends it.
    pub async fn log_in(&self, username: &str, password: &str) {
        self.fill("#login", "username", username).await;
        self.fill("#login", "password", password).await;
        self.submit("#login").await;
    }

    /// Logs in as [`MANAGER`] on the login form shown.
    pub async fn log_in_as_manager(&self) {
        self.log_in(MANAGER, MANAGER_PASSPHRASE).await;
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}
