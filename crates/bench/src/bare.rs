//! The reference: a bare actix-web server with one `GET /health` handler returning a small JSON,
//! run as a child process (`eckwms-bench bare-health --bind ADDR`) and loaded like the service.

use actix_web::{App, HttpResponse, HttpServer, get};
use anyhow::Context;
use serde::Serialize;

#[derive(Serialize)]
struct Status {
    status: &'static str,
}

#[get("/health")]
async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Status { status: "ok" })
}

/// Serves until SIGTERM/SIGINT, with actix-web's default worker count (one per CPU), as the
/// service does by default.
pub fn serve(bind: &str) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async {
        HttpServer::new(|| App::new().service(health))
            .shutdown_timeout(1)
            .bind(bind)
            .with_context(|| format!("binding {bind}"))?
            .run()
            .await
            .context("bare server failed")
    })
}
