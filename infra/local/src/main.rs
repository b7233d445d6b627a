//! `gpet-local`: the whole product on one port, for `make dev` and the browser tests.
//!   gpet-local serve [--seed]   migrate, create queues, serve, run schedules, poll queues
//!   gpet-local migrate          apply the migrations and exit
//!   gpet-local openapi          print the OpenAPI document (no service needed)

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use gpet::Clock;
use gpet_local::host::Host;
use gpet_local::registry::{self, Handler};
use gpet_local::setup::{Local, Services, demo_admin_password, prepare_database};
use gpet_local::template::{Template, Trigger};

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_target(false)
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map(String::as_str).unwrap_or("serve");
    if command == "openapi" {
        println!("{}", serde_json::to_string_pretty(&registry::openapi())?);
        return Ok(());
    }

    let services = Services::from_process()?;
    let database_url = match var("GPET_DATABASE_URL") {
        Some(url) => url,
        None => services.database_url("gpet")?,
    };
    prepare_database(&services, &database_url).await?;
    if command == "migrate" {
        return Ok(());
    }
    anyhow::ensure!(command == "serve", "unknown command {command}: use serve [--seed], migrate or openapi");

    let port: u16 = var("GPET_PORT").unwrap_or_else(|| "3000".into()).parse().context("GPET_PORT")?;
    let sandbox_url = var("GPET_SANDBOX_URL").unwrap_or_else(|| "http://127.0.0.1:3900".into());
    // The sandbox's SMTP server (STARTTLS), as infra/scripts/stack.sh started it.
    let sandbox_smtp_port: u16 =
        var("GPET_SANDBOX_SMTP_PORT").unwrap_or_else(|| "3587".into()).parse().context("GPET_SANDBOX_SMTP_PORT")?;
    let local = Local {
        services,
        database_url,
        // Two local stacks (dev and the browser tests) can share the services.
        redis_prefix: var("GPET_REDIS_PREFIX").unwrap_or_default(),
        resource_prefix: var("GPET_QUEUE_PREFIX").unwrap_or_default(),
        sandbox_url: sandbox_url.clone(),
        sandbox_smtp_port,
        public_base_url: var("GPET_PUBLIC_BASE_URL").unwrap_or_else(|| format!("http://127.0.0.1:{port}")),
    };
    let template = Template::load(&PathBuf::from(var("GPET_TEMPLATE").unwrap_or_else(|| "template.yaml".into())))?;
    let started = local.start(&template, Clock::system(), 16).await?;
    let (ctx, queue_urls) = (started.ctx.clone(), started.queue_urls.clone());
    if args.iter().any(|a| a == "--seed") {
        gpet_local::seed::seed(&ctx, &sandbox_url, &demo_admin_password()).await?;
    }

    let web_root = PathBuf::from(var("GPET_WEB_ROOT").unwrap_or_else(|| "web".into()));
    let host = Arc::new(Host::new(ctx.clone(), &template, Some(web_root))?);
    host.clone().spawn_schedules();
    let sqs = gpet::queue::client(&local.services.aws().await);
    for f in &template.functions {
        for trigger in &f.triggers {
            if let (Trigger::Sqs { queue, batch_size }, Some(entry)) = (trigger, registry::find(&f.binary))
                && let Handler::Sqs(consumer) = entry.handler
            {
                let url = queue_urls.get(queue).with_context(|| format!("queue {queue}"))?.clone();
                tokio::spawn(gpet_local::queues::poll(
                    Arc::new(ctx.only(&entry.needs)),
                    sqs.clone(),
                    f.binary.clone(),
                    url,
                    *batch_size,
                    consumer,
                    f.timeout,
                ));
            }
        }
    }
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    tracing::info!("gpet is up: H5 http://{addr}/  console http://{addr}/console/  sandbox {sandbox_url}");
    axum::serve(listener, host.router().into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
