//! `northloop-tools`: NorthLoop's tools as a signed-webhook server, for `switchboard serve
//! --tool-server`. See docs/tools.md.

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser;
use northloop_tools::{SECRET_ENV, ToolServer};

/// NorthLoop's five tools over HTTP, with state in memory (GET /state shows it).
#[derive(Debug, Parser)]
#[command(name = "northloop-tools", version)]
struct Args {
    /// Address to listen on (`127.0.0.1:0` picks a free port).
    #[arg(long, default_value = "127.0.0.1:9100")]
    listen: String,
    /// Environment variable holding the secret that signs the gateway's requests.
    #[arg(long, value_name = "NAME", default_value = SECRET_ENV)]
    secret_env: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let secret = std::env::var(&args.secret_env).unwrap_or_default();
    let secret = secret.trim();
    if secret.is_empty() {
        eprintln!(
            "northloop-tools: {} is not set: every request must be signed with it (the same secret as the gateway's --tool-secret-env)",
            args.secret_env
        );
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("northloop-tools: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let secret = secret.as_bytes().to_vec();
    runtime.block_on(async move {
        let server = match ToolServer::start(&args.listen, secret).await {
            Ok(server) => server,
            Err(e) => {
                eprintln!("northloop-tools: cannot listen on {}: {e}", args.listen);
                return ExitCode::FAILURE;
            }
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "northloop-tools: listening on {}", server.url());
        let _ = out.flush();
        drop(out);
        let _ = tokio::signal::ctrl_c().await;
        server.shutdown().await;
        ExitCode::SUCCESS
    })
}
