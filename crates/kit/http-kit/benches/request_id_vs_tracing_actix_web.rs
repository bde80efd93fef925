//! The outermost middleware of both services (`request_id::middleware`) against
//! tracing-actix-web's `TracingLogger`, the well-kept crate for request spans: what each adds
//! to a request, in process, under a subscriber that formats every line it is given (into
//! nothing), as production formats them into the journal.
//!
//! `cargo bench -p eckwms-http-kit --features compare --bench request_id_vs_tracing_actix_web`
//! (the feature `compare` brings tracing-actix-web in for this bench only).

use std::fmt::Debug;
use std::time::{Duration, Instant};

use actix_web::dev::{Service, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpResponse, test, web};
use criterion::{Criterion, criterion_group, criterion_main};
use tracing_actix_web::TracingLogger;
use tracing_subscriber::EnvFilter;

async fn ok() -> HttpResponse {
    HttpResponse::Ok().body("ok")
}

/// `iters` requests `GET /health` through `app`, one after another.
fn run<S, R, B, E>(
    rt: &actix_rt::SystemRunner,
    app: &S,
    request: impl Fn() -> R,
    iters: u64,
) -> Duration
where
    S: Service<R, Response = ServiceResponse<B>, Error = E>,
    E: Debug,
{
    rt.block_on(async {
        let start = Instant::now();
        for _ in 0..iters {
            let res = test::call_service(app, request()).await;
            std::hint::black_box(res.status());
        }
        start.elapsed()
    })
}

/// A subscriber at `info` (with `filter`) that formats every event into nothing.
fn subscriber(filter: &str) -> impl tracing::Subscriber + Send + Sync {
    tracing_subscriber::fmt()
        .with_writer(std::io::sink)
        .with_env_filter(EnvFilter::new(filter))
        .finish()
}

fn compare(c: &mut Criterion) {
    let rt = actix_rt::System::new();
    let request = || test::TestRequest::get().uri("/health").to_request();
    let bare = rt.block_on(test::init_service(
        App::new().route("/health", web::get().to(ok)),
    ));
    let ours = rt.block_on(test::init_service(
        App::new()
            .wrap(from_fn(eckwms_http_kit::request_id::middleware))
            .route("/health", web::get().to(ok)),
    ));
    let theirs = rt.block_on(test::init_service(
        App::new()
            .wrap(TracingLogger::default())
            .route("/health", web::get().to(ok)),
    ));

    let mut group = c.benchmark_group("a request through the outermost middleware");
    tracing::subscriber::with_default(subscriber("info"), || {
        group.bench_function("none", |b| b.iter_custom(|n| run(&rt, &bare, request, n)));
        group.bench_function("ours, with the access line", |b| {
            b.iter_custom(|n| run(&rt, &ours, request, n))
        });
        group.bench_function("tracing-actix-web", |b| {
            b.iter_custom(|n| run(&rt, &theirs, request, n))
        });
    });
    tracing::subscriber::with_default(subscriber("info,access=off"), || {
        group.bench_function("ours, access line off", |b| {
            b.iter_custom(|n| run(&rt, &ours, request, n))
        });
    });
    group.finish();
}

criterion_group!(benches, compare);
criterion_main!(benches);
