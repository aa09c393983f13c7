//! `retail-tools`: the retail agent's tools as a signed-webhook server. See the example's
//! README.md and docs/tools.md.

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser;
use retail_tools::{SECRET_ENV, ToolServer};

/// Every tool of τ²-bench's retail domain over HTTP, one copy of the database per session
/// (GET /state shows what each session changed).
#[derive(Debug, Parser)]
#[command(name = "retail-tools", version)]
struct Args {
    /// Address to listen on (`127.0.0.1:0` picks a free port).
    #[arg(long, default_value = "127.0.0.1:9200")]
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
            "retail-tools: {} is not set: every request must be signed with it (the same secret the agent's tools name in secret_env)",
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
            eprintln!("retail-tools: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let secret = secret.as_bytes().to_vec();
    runtime.block_on(async move {
        let server = match ToolServer::start(&args.listen, secret).await {
            Ok(server) => server,
            Err(e) => {
                eprintln!("retail-tools: cannot listen on {}: {e}", args.listen);
                return ExitCode::FAILURE;
            }
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "retail-tools: listening on {}", server.url());
        let _ = out.flush();
        drop(out);
        let _ = tokio::signal::ctrl_c().await;
        server.shutdown().await;
        ExitCode::SUCCESS
    })
}
