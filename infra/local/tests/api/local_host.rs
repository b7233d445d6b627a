//! The local host: template.yaml as the one list of functions, the OpenAPI document, routing,
//! the clock and job controls, the web apps.

use std::collections::HashSet;

use gpet_local::host::{Host, registry_problems};
use gpet_local::schedule::Schedule;
use gpet_local::template::{Template, Trigger};

use crate::helpers::{Cookies, TestApp, json_of, project_root, template};

#[test]
fn template_and_handler_registry_name_the_same_functions() {
    let problems = registry_problems(&template());
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn a_function_missing_from_either_side_is_reported() {
    let text = std::fs::read_to_string(project_root().join("template.yaml")).unwrap();
    let renamed = text.replace("Binary: h5-me", "Binary: h5-you");
    let problems = registry_problems(&Template::parse(&renamed).unwrap());
    assert!(problems.iter().any(|p| p.contains("h5-you") && p.contains("no handler")), "{problems:?}");
    assert!(problems.iter().any(|p| p.contains("handler h5-me has no function")), "{problems:?}");
}

#[test]
fn every_function_crate_is_in_the_template() {
    let crates: HashSet<String> = std::fs::read_dir(project_root().join("functions"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name != "lambda")
        .collect();
    let declared: HashSet<String> = template().functions.iter().map(|f| f.binary.clone()).collect();
    assert_eq!(crates, declared);
}

#[test]
fn every_schedule_in_the_template_is_understood() {
    for f in template().functions {
        for t in f.triggers {
            if let Trigger::Schedule { expression } = t {
                Schedule::parse(&expression).unwrap_or_else(|e| panic!("{}: {e:#}", f.binary));
            }
        }
    }
}

#[tokio::test]
async fn every_route_of_the_template_is_in_the_openapi_document() {
    let app = TestApp::spawn().await;
    let (status, doc) = json_of(app.http.get(app.url("/api/openapi.json")).send().await.unwrap()).await;
    assert_eq!(status, 200);
    let routes: Vec<(String, String)> = app
        .template
        .functions
        .iter()
        .flat_map(|f| f.triggers.clone())
        .filter_map(|t| match t {
            // The web apps' page shell answers HTML for CloudFront, not the API.
            Trigger::Http { method, path } if !path.starts_with("/_shell/") => Some((method.to_lowercase(), path)),
            _ => None,
        })
        .collect();
    assert!(routes.len() >= 9);
    for (method, path) in routes {
        assert!(doc["paths"][&path][&method].is_object(), "{method} {path} is missing from the OpenAPI document");
    }
}

#[tokio::test]
async fn unknown_routes_methods_and_oversized_bodies_answer_the_envelope() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get("/api/nothing-here", &Cookies::default()).await;
    assert_eq!((status, body["code"].as_i64()), (404, Some(1404)));
    assert!(body["msg"].as_str().unwrap().contains("/api/nothing-here"));
    let answer = app.http.delete(app.url("/api/me")).send().await.unwrap();
    assert_eq!(answer.headers()["allow"], "GET", "a 405 names the methods the path takes");
    let (status, body) = json_of(answer).await;
    assert_eq!((status, body["code"].as_i64()), (405, Some(1404)), "{body}");
    // A literal segment wins over a parameter, as in API Gateway: `preview` is not an id.
    let answer = app.http.delete(app.url("/api/broadcasts/preview")).send().await.unwrap();
    assert_eq!((answer.status().as_u16(), answer.headers()["allow"].to_str().unwrap()), (405, "POST"));
    let huge = "x".repeat(7 * 1024 * 1024);
    let (status, body) = app.post("/api/track", &Cookies::default(), &huge).await;
    assert_eq!((status, body["code"].as_i64()), (413, Some(1403)), "{body}");
}

#[tokio::test]
async fn the_business_clock_moves_and_jobs_run_on_demand() {
    let app = TestApp::spawn().await;
    let put =
        app.http.put(app.url("/_local/clock")).body(r#"{"now":"2030-02-03T23:59:00+08:00"}"#).send().await.unwrap();
    let (_, clock) = json_of(put).await;
    assert_eq!(clock["data"]["business_day"], "2030-02-03", "{clock}");
    assert_eq!(app.ctx.clock.today().to_string(), "2030-02-03", "every function shares the clock");
    let put = app.http.put(app.url("/_local/clock")).body(r#"{"offset_seconds":0}"#).send().await.unwrap();
    assert_eq!(json_of(put).await.1["data"]["offset_seconds"], 0);
    let bad = app.http.put(app.url("/_local/clock")).body(r#"{"now":"tomorrow"}"#).send().await.unwrap();
    assert_eq!(json_of(bad).await.0, 400);

    let (status, report) = app.post("/_local/jobs/outbox-relay", &Cookies::default(), "").await;
    assert_eq!((status, report["data"]["published"].as_i64()), (200, Some(0)), "{report}");
    let (status, unknown) = app.post("/_local/jobs/no-such-job", &Cookies::default(), "").await;
    assert_eq!(status, 404);
    assert!(unknown["msg"].as_str().unwrap().contains("outbox-relay"), "the answer lists the jobs: {unknown}");
}

#[tokio::test]
async fn the_web_apps_are_served_with_their_own_routes() {
    let app = TestApp::spawn().await;
    let root = std::env::temp_dir().join(format!("gpet-web-{}", uuid::Uuid::new_v4()));
    for (dir, text) in [("h5/dist", "H5 APP"), ("console/dist", "CONSOLE APP")] {
        std::fs::create_dir_all(root.join(dir).join("assets")).unwrap();
        std::fs::write(root.join(dir).join("index.html"), text).unwrap();
    }
    std::fs::write(root.join("h5/dist/assets/app.js"), "console.log(1)").unwrap();
    let host = std::sync::Arc::new(Host::new(app.ctx.clone(), &app.template, Some(root.clone())).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let base = format!("http://{addr}");
    tokio::spawn(async move { axum::serve(listener, host.router()).await.unwrap() });
    let get = |path: &str| {
        let url = format!("{base}{path}");
        let http = app.http.clone();
        async move {
            let r = http.get(url).send().await.unwrap();
            (
                r.status().as_u16(),
                r.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()),
                r.text().await.unwrap(),
            )
        }
    };
    assert_eq!(get("/").await.2, "H5 APP");
    assert_eq!(get("/groups/42").await.2, "H5 APP", "an H5 route gets the H5 app");
    assert_eq!(get("/console/users").await.2, "CONSOLE APP");
    let (status, kind, _) = get("/assets/app.js").await;
    assert_eq!((status, kind.as_deref()), (200, Some("text/javascript; charset=utf-8")));
    assert_eq!(get("/assets/missing.js").await.0, 404);
    // HTTP clients normalise `..` away; a raw request line does not.
    std::fs::write(root.join("secret.txt"), "outside the apps").unwrap();
    let mut raw = tokio::net::TcpStream::connect(addr).await.unwrap();
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    raw.write_all(b"GET /../../secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut answer = String::new();
    raw.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 400") && !answer.contains("outside the apps"), "{answer}");
    let (status, _, body) = get("/api/me").await;
    assert_eq!(status, 401, "the API is not the web app: {body}");
    std::fs::remove_dir_all(root).unwrap();
}

/// The local stores are reached as AWS's are: over TLS with a password. A plain connection to
/// either is refused, so no test or demo can pass through a path a deployed function would not.
#[tokio::test]
async fn the_local_stores_refuse_a_plain_connection() {
    let services = gpet_local::setup::Services::from_process().expect(".local/env is sourced");
    let mut pg: tokio_postgres::Config = services.database_url("postgres").unwrap().parse().unwrap();
    pg.user(&services.pg_user).password(&services.pg_password).ssl_mode(tokio_postgres::config::SslMode::Disable);
    let refused = pg.connect(tokio_postgres::NoTls).await.err().expect("PostgreSQL refuses a plain connection");
    let why = refused.as_db_error().map(|e| e.message().to_owned()).unwrap_or_else(|| refused.to_string());
    assert!(why.contains("no encryption"), "{why}");
    // Over TLS, the same credentials work.
    assert!(services.connect(&services.database_url("postgres").unwrap()).await.is_ok());

    let plain = services.redis_url.replacen("rediss://", "redis://", 1);
    let mut conn = redis::Client::open(plain).unwrap();
    let answer: redis::RedisResult<String> = redis::cmd("PING").query(&mut conn);
    assert!(answer.is_err(), "Redis answers a plain connection: {answer:?}");
    let mut tls = services.redis().await.unwrap();
    let pong: String = redis::cmd("PING").query_async(&mut tls).await.unwrap();
    assert_eq!(pong, "PONG");
}

/// A TCP relay to PostgreSQL whose existing connections can go silent at once (as through a
/// proxy that failed over, or one that dropped an idle client while the instance was frozen):
/// nothing is closed, nothing more arrives. New connections go through.
struct Relay {
    addr: std::net::SocketAddr,
    generation: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Relay {
    async fn start(to: std::net::SocketAddr) -> Relay {
        use std::sync::atomic::Ordering;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let generation = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let current = generation.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let server = tokio::net::TcpStream::connect(to).await.unwrap();
                let born = current.load(Ordering::SeqCst);
                let current = current.clone();
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                let alive = move || current.load(Ordering::SeqCst) == born;
                let alive2 = alive.clone();
                tokio::spawn(async move { pump(&mut cr, &mut sw, alive).await });
                tokio::spawn(async move { pump(&mut sr, &mut cw, alive2).await });
            }
        });
        Relay { addr, generation }
    }

    /// Every connection made so far goes silent.
    fn silence(&self) {
        self.generation.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

async fn pump(
    from: &mut tokio::net::tcp::OwnedReadHalf,
    to: &mut tokio::net::tcp::OwnedWriteHalf,
    alive: impl Fn() -> bool,
) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let Ok(n) = from.read(&mut buf).await else { return };
        if n == 0 {
            return;
        }
        if !alive() {
            // Swallow: the peer never hears of it, and the socket stays open.
            std::future::pending::<()>().await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

/// A pooled connection that sat idle (a thawed instance's) is checked before it is lent: one
/// that went silent is dropped and a new one made, rather than a request hanging on it.
#[tokio::test]
async fn the_pool_replaces_an_idle_connection_that_went_silent() {
    let services = gpet_local::setup::Services::from_process().expect(".local/env is sourced");
    let url = url::Url::parse(&services.database_url("postgres").unwrap()).unwrap();
    let target = std::net::SocketAddr::new("127.0.0.1".parse().unwrap(), url.port().unwrap());
    let relay = Relay::start(target).await;
    let mut pg = tokio_postgres::Config::new();
    pg.host("127.0.0.1").port(relay.addr.port()).dbname("postgres");
    pg.user(&services.pg_user).password(&services.pg_password);
    let db = gpet::db::Db::connect(&gpet::config::DbConfig { pg, tls_ca: Some(services.tls_ca.clone()) }, 1).unwrap();
    let pid = |c: &tokio_postgres::Row| c.get::<_, i32>("pid");
    let first = pid(&db.client().await.unwrap().query_one("SELECT pg_backend_pid() AS pid", &[]).await.unwrap());

    relay.silence();
    tokio::time::sleep(gpet::db::VERIFY_AFTER_IDLE + std::time::Duration::from_millis(500)).await;
    let answered = tokio::time::timeout(std::time::Duration::from_secs(15), async {
        db.client().await.unwrap().query_one("SELECT pg_backend_pid() AS pid", &[]).await.unwrap()
    })
    .await
    .expect("the pool lent the silent connection: the query hangs");
    assert_ne!(pid(&answered), first, "a new connection answered");
}

/// The page shell CloudFront falls over to for a page path S3 has no file for: the app's own
/// index.html (fetched from the site, kept briefly), the console's redirect, a 404 for a missing
/// file, and the maintenance page when the site cannot give the index.
#[tokio::test]
async fn the_page_shell_answers_the_apps_index_for_their_pages() {
    use axum::routing::get;
    let site = axum::Router::new()
        .route("/index.html", get(|| async { "<!doctype html><html><body>h5 app</body></html>" }))
        .route("/console/index.html", get(|| async { "<!doctype html><html><body>console app</body></html>" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, site).await.unwrap() });
    let env = gpet::Env::from_pairs([("GPET_PUBLIC_BASE_URL", base.as_str())]);
    use gpet_local::functions::h5_web_shell;
    let (ctx, _) = gpet::Ctx::load::<h5_web_shell::Parts>(&env, gpet::Clock::system(), 1).await.unwrap();
    let ask = |path: &str| {
        let request = http::Request::builder()
            .uri(format!("https://gpet.example.cn/_shell{path}"))
            .body(lambda_http::Body::Empty)
            .unwrap();
        h5_web_shell::respond(&ctx, request)
    };
    let body = |r: &lambda_http::Response<lambda_http::Body>| String::from_utf8_lossy(r.body().as_ref()).into_owned();

    for (path, status, expected) in [
        ("/groups/42", 200, "h5 app"),
        ("/", 200, "h5 app"),
        ("/console/users/7", 200, "console app"),
        ("/console/", 200, "console app"),
        ("/assets/missing-3f2a.js", 404, "not found"),
        ("/console/../../etc/passwd", 404, "not found"),
    ] {
        let answer = ask(path).await;
        assert_eq!(answer.status(), status, "{path}");
        assert!(body(&answer).contains(expected), "{path}: {}", body(&answer));
        assert_eq!(answer.headers()["cache-control"], "no-cache", "{path}");
    }
    let redirect = ask("/console").await;
    assert_eq!((redirect.status().as_u16(), redirect.headers()["location"].to_str().unwrap()), (301, "/console/"));

    // The site goes away: the index kept from a moment ago still answers...
    server.abort();
    let _ = server.await;
    assert!(body(&ask("/groups/1").await).contains("h5 app"));
    // ...and a fresh instance, with nothing kept and nothing to fetch, shows the maintenance page.
    gpet::web::forget_indexes();
    let down = ask("/groups/1").await;
    assert_eq!(down.status(), 503);
    assert!(body(&down).contains("系统维护中"), "{}", body(&down));
}
