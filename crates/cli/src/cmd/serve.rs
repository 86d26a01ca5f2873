//! `marketguard serve` and `marketguard keys`: the HTTP API with the timer loop, and
//! the API keys it accepts.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Subcommand};
use domain::{Clock, SystemClock, Timestamp};
use engine::Engine;
use protection::Policy;
use server::{AppState, Role};

use crate::Format;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// sqlite://FILE or postgres://USER@HOST/DB
    #[arg(long, env = "MARKETGUARD_DATABASE_URL", default_value = super::DEFAULT_DATABASE_URL)]
    database_url: String,
    /// Address to listen on.
    #[arg(long, env = "MARKETGUARD_BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn serve(args: ServeArgs, policy: Policy) -> anyhow::Result<ExitCode> {
    // JSON log lines on stderr; RUST_LOG filters them (info by default).
    let _ = tracing_subscriber::fmt()
        .json()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .try_init();
    let rt = super::runtime()?;
    rt.block_on(async {
        let store = store::Store::connect(&args.database_url).await?;
        let listener = tokio::net::TcpListener::bind(&args.bind)
            .await
            .with_context(|| format!("cannot listen on {}", args.bind))?;
        tracing::info!(bind = %args.bind, backend = ?store.backend(), "marketguard serving");
        let state = AppState::new(
            Engine::new(store.clone(), policy.clone()),
            Arc::new(SystemClock),
        );
        server::serve(listener, state, shutdown_signal()).await?;
        store.close().await;
        tracing::info!("marketguard stopped");
        anyhow::Ok(ExitCode::SUCCESS)
    })
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create an API key with a role (admin, agent, platform, seller:ID, buyer:ID). The
    /// key is printed alone on the last line, once: only its hash is stored.
    Create(CreateArgs),
    /// List the keys, oldest first: id, role, when created and revoked. Never a secret.
    List(super::list::KeysListArgs),
    /// Revoke a key by its id: serve refuses it from its next request on and its
    /// console sessions end.
    Revoke(super::list::RevokeArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    #[arg(long)]
    role: String,
    /// sqlite://FILE or postgres://USER@HOST/DB
    #[arg(long, env = "MARKETGUARD_DATABASE_URL", default_value = super::DEFAULT_DATABASE_URL)]
    database_url: String,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn keys(command: KeysCommand) -> anyhow::Result<ExitCode> {
    let args = match command {
        KeysCommand::Create(args) => args,
        KeysCommand::List(args) => return super::list::keys(args),
        KeysCommand::Revoke(args) => return super::list::revoke(args),
    };
    let role = Role::parse(&args.role)?;
    let rt = super::runtime()?;
    let key = rt.block_on(async {
        let store = store::Store::connect(&args.database_url).await?;
        let key = server::create_key(&store, &role, SystemClock.now()).await?;
        store.close().await;
        anyhow::Ok(key)
    })?;
    match args.format {
        Format::Json => outln!(
            "{}",
            serde_json::json!({ "role": role.to_string(), "key": key })
        ),
        Format::Text => {
            outln!("created an API key with role {role}; it is shown only this once:");
            outln!("{key}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Register an endpoint that `serve` posts every event to (at least once, signed
    /// with HMAC-SHA256: see README). Prints its id and signing secret, once.
    Add(AddWebhookArgs),
    /// The delivery log: attempts, last status and error of recent deliveries.
    Log(LogArgs),
}

#[derive(Debug, Args)]
pub struct AddWebhookArgs {
    url: String,
    /// sqlite://FILE or postgres://USER@HOST/DB
    #[arg(long, env = "MARKETGUARD_DATABASE_URL", default_value = super::DEFAULT_DATABASE_URL)]
    database_url: String,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// How many deliveries to show.
    #[arg(long, default_value_t = 50)]
    limit: i64,
    /// sqlite://FILE or postgres://USER@HOST/DB
    #[arg(long, env = "MARKETGUARD_DATABASE_URL", default_value = super::DEFAULT_DATABASE_URL)]
    database_url: String,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn webhooks(command: WebhooksCommand) -> anyhow::Result<ExitCode> {
    let rt = super::runtime()?;
    match command {
        WebhooksCommand::Add(args) => {
            let (id, secret) = rt.block_on(async {
                let store = store::Store::connect(&args.database_url).await?;
                let r = server::webhooks::add_endpoint(&store, &args.url, SystemClock.now()).await;
                store.close().await;
                r
            })?;
            match args.format {
                Format::Json => outln!(
                    "{}",
                    serde_json::json!({"id": id, "url": args.url, "secret": secret})
                ),
                Format::Text => {
                    outln!("webhook {id} posts every event to {}", args.url);
                    outln!("signing secret (shown once):");
                    outln!("{secret}");
                }
            }
        }
        WebhooksCommand::Log(args) => {
            anyhow::ensure!(
                (1..=1000).contains(&args.limit),
                "--limit must be 1 to 1000"
            );
            let log = rt.block_on(async {
                let store = store::Store::open_read_only(&args.database_url).await?;
                let log = store.delivery_log(args.limit).await;
                store.close().await;
                anyhow::Ok(log?)
            })?;
            let ts = |ms: Option<i64>| ms.map(|m| Timestamp::from_unix_ms(m).rfc3339());
            for d in &log {
                let state = if d.delivered_ms.is_some() {
                    "delivered"
                } else if d.failed_ms.is_some() {
                    "given up"
                } else {
                    "retrying"
                };
                match args.format {
                    Format::Json => outln!(
                        "{}",
                        serde_json::json!({"endpoint": d.endpoint_id, "order": d.order_id, "seq": d.seq, "state": state,
                            "attempts": d.attempts, "last_status": d.last_status, "last_error": d.last_error,
                            "delivered_at": ts(d.delivered_ms), "next_attempt_at": ts(Some(d.next_attempt_ms))})
                    ),
                    Format::Text => outln!(
                        "{} {}:{} {state} after {} attempt(s){}",
                        d.endpoint_id,
                        d.order_id,
                        d.seq,
                        d.attempts,
                        d.last_error
                            .as_deref()
                            .map(|e| format!(", last error: {e}"))
                            .unwrap_or_default()
                    ),
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
