//! The subcommands.

use crate::cli::{Args, Command};

mod audio;
mod bench;
mod chat;
mod emulate;
mod events;
mod lint;
mod render;
mod schema;
mod serve;
mod sessions;
mod test;

/// How a command ended, when it ran to the end.
pub(crate) enum Outcome {
    /// Everything checked out.
    Success,
    /// The command ran but found a problem in its input (exit code 1).
    FailureFound,
}

/// A usage or input error (exit code 2).
pub(crate) type Error = Box<dyn std::error::Error + Send + Sync>;

/// Runs the chosen subcommand.
pub(crate) fn run(args: Args) -> Result<Outcome, Error> {
    match args.command {
        Command::Events(cmd) => events::run(cmd),
        Command::Audio(cmd) => audio::run(cmd),
        Command::Lint(args) => lint::run(args),
        Command::Render {
            agent,
            state,
            format,
        } => render::run(&agent, state.as_deref(), format),
        Command::Schema => schema::run(),
        Command::Serve(args) => serve::run(args),
        Command::Chat(args) => chat::run(args),
        Command::Bench(cmd) => bench::run(cmd),
        Command::Emulate(args) => emulate::run(&args),
        Command::Sessions(cmd) => sessions::run(cmd),
        Command::Test(args) => test::run(args),
    }
}

/// Reads and loads an agent file. When it does not load, its diagnostics are printed to stderr
/// and the error says how many there were.
pub(crate) fn load_agent(path: &std::path::Path) -> Result<switchboard_agent::LoadedAgent, Error> {
    use switchboard_agent::diagnostic::{Located, render_human};

    let path = &agent_file(path)?;
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    switchboard_agent::load(&text).map_err(|diagnostics| {
        let located: Vec<Located<'_>> = diagnostics
            .iter()
            .map(|diagnostic| Located {
                diagnostic,
                file: &name,
                text: &text,
            })
            .collect();
        eprint!("{}", render_human(&located));
        let n = diagnostics.len();
        format!(
            "{name}: {n} error{} in the agent file",
            if n == 1 { "" } else { "s" }
        )
        .into()
    })
}

/// The agent file at `path`: the path itself, or the agent file in that directory.
pub(crate) fn agent_file(path: &std::path::Path) -> Result<std::path::PathBuf, Error> {
    if !path.is_dir() {
        return Ok(path.to_owned());
    }
    ["agent.yaml", "agent.yml", "agent.json"]
        .iter()
        .map(|name| path.join(name))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            format!(
                "no agent file (agent.yaml, agent.yml, agent.json) in {}",
                path.display()
            )
            .into()
        })
}

/// Refuses a `--tool-server` (of `serve` or `test`) that is not an http(s) URL, or whose
/// signing secret is not set: every tool call would fail, and the gateway never sends a tool
/// request unsigned.
pub(crate) fn check_tool_server(url: &str, secret_env: &str) -> Result<(), Error> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(format!("--tool-server: `{url}` is not an http(s) URL").into());
    }
    if std::env::var(secret_env)
        .unwrap_or_default()
        .trim()
        .is_empty()
    {
        return Err(format!(
            "--tool-server: {secret_env} is not set; requests to the tool server are always signed with it (--tool-secret-env names another variable)"
        )
        .into());
    }
    Ok(())
}

/// Where `--tool-server` sends the tools, in the words `serve`'s banner and `test`'s summary
/// use: `URL/tools/NAME (fixtures replaced; signed with $VAR)`.
pub(crate) fn tool_server_line(url: &str, secret_env: &str) -> String {
    format!(
        "{}/tools/NAME (fixtures replaced; signed with ${secret_env})",
        url.trim_end_matches('/')
    )
}

/// A multi-threaded runtime for the commands that serve.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// Logs to standard error; `RUST_LOG` chooses the level (default `info`).
pub(crate) fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// A future that resolves when the process is asked to stop (Ctrl-C or SIGTERM). The handlers
/// are installed by this call, so create it before telling anyone the server is ready.
pub(crate) fn stop_requested() -> Result<impl std::future::Future<Output = ()>, Error> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}
