//! `switchboard serve`: the gateway, live against the model or as a rehearsal.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use switchboard_engine::CompiledAgent;
use switchboard_gateway::{
    AgentEntry, Gateway, GatewayConfig, GatewayFile, HttpExecutor, OPENAI_BASE_URL, Upstream,
    UpstreamAuth, webhook,
};
use switchboard_testkit::{Emulator, EmulatorOptions, Script};

use super::{Error, Outcome};
use crate::cli::ServeArgs;

/// The script beside an agent file that rehearsal mode plays.
const REHEARSAL_SCRIPT: &str = "rehearsal.yaml";

pub(crate) fn run(args: ServeArgs) -> Result<Outcome, Error> {
    if let Some(url) = &args.tool_server {
        super::check_tool_server(url, &args.tool_secret_env)?;
    }
    let mut agents = Vec::new();
    for path in &args.agents {
        let file = super::agent_file(path)?;
        let mut loaded = super::load_agent(&file)?;
        if let Some(url) = &args.tool_server {
            webhook::replace_fixtures(&mut loaded.agent, url, &args.tool_secret_env);
        }
        let compiled =
            CompiledAgent::new(loaded.agent).map_err(|e| format!("{}: {e}", file.display()))?;
        agents.push((file, Arc::new(compiled)));
    }
    let settings = match &args.config {
        Some(path) => GatewayFile::load(path)?,
        None => GatewayFile::default(),
    };
    let keys = settings.keys(|var| std::env::var(var).ok())?;
    let twilio = match &settings.twilio {
        Some(section) => Some(section.settings(|var| std::env::var(var).ok())?),
        None => None,
    };
    let default_agent = args
        .default_agent
        .clone()
        .or(settings.default_agent.clone());
    if let Some(name) = &default_agent
        && !agents.iter().any(|(_, a)| &a.file().name == name)
    {
        return Err(format!("--default-agent: no agent is called `{name}`").into());
    }
    let store = if args.no_records {
        None
    } else {
        Some(switchboard_store::Store::open(&args.data)?)
    };
    let records_line = match &store {
        Some(store) => format!("  records: {}", store.path().display()),
        None => "  records: none (--no-records)".to_owned(),
    };
    let api_key = std::env::var(&args.upstream_key_env)
        .ok()
        .filter(|k| !k.is_empty());
    let auth = args.upstream_auth;
    let rehearsal = args.rehearsal || (api_key.is_none() && args.upstream_url.is_none());
    if !rehearsal {
        // Live, an MCP server's credentials are read from the environment for every session
        // sent upstream: a variable missing now would fail every call's MCP tools later.
        for (file, agent) in &agents {
            let mut session = agent.initial_session().clone();
            switchboard_agent::with_mcp_credentials(agent.file(), &mut session, |var| {
                std::env::var(var).ok()
            })
            .map_err(|e| format!("{}: {e}", file.display()))?;
        }
    }
    let drain_timeout = Duration::from_secs(settings.drain_timeout_s.unwrap_or(30));

    super::init_logging();
    let runtime = super::runtime()?;
    runtime.block_on(async move {
        let mut emulators = Vec::new();
        let mut entries = Vec::new();
        let mut lines = Vec::new();
        for (file, agent) in agents {
            let upstream = if rehearsal {
                let (script, from) = rehearsal_script(&file)?;
                let emulator = Emulator::start("127.0.0.1:0", script, long_running())
                    .await
                    .map_err(|e| format!("cannot start the rehearsal emulator: {e}"))?;
                lines.push(format!("  agent {:<24} rehearsal script: {from}", agent.file().name));
                let base_url = emulator.url();
                emulators.push(emulator);
                Upstream { base_url, api_key: None, auth: UpstreamAuth::Bearer }
            } else {
                lines.push(format!("  agent {:<24} model: {}", agent.file().name, agent.file().model));
                Upstream {
                    base_url: args.upstream_url.clone().unwrap_or_else(|| OPENAI_BASE_URL.to_owned()),
                    api_key: api_key.clone(),
                    auth,
                }
            };
            // Absolute, so `sessions export --as-scenario` finds it from anywhere.
            let path = Some(std::fs::canonicalize(&file).unwrap_or(file));
            entries.push(AgentEntry { agent, upstream, supervisor: None, path });
        }
        let open = keys.is_empty();
        let config = GatewayConfig {
            agents: entries,
            default_agent,
            keys,
            drain_timeout,
            rehearsal,
            store,
        };
        let gateway = Gateway::start(&args.listen, config, Arc::new(HttpExecutor::new()))
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
        if let Some(twilio) = twilio {
            gateway.set_twilio(twilio);
        }
        let addr = gateway.local_addr();
        let stop = super::stop_requested()?;
        let mut out = std::io::stdout().lock();
        if rehearsal {
            let _ = writeln!(out, "switchboard: REHEARSAL MODE: {} Each agent is answered by the emulator playing its rehearsal script, with its {} tools. Set {} to run live.",
                if api_key.is_none() { format!("{} is not set.", args.upstream_key_env) } else { "--rehearsal was given.".to_owned() },
                if args.tool_server.is_some() { "tool server's" } else { "fixture" },
                args.upstream_key_env);
        } else {
            let scheme = match auth {
                UpstreamAuth::Bearer => "Authorization: Bearer",
                UpstreamAuth::ApiKey => "an api-key header",
            };
            let _ = writeln!(out, "switchboard: LIVE: calls go to {} (the key in ${}, sent as {scheme})", args.upstream_url.as_deref().unwrap_or(OPENAI_BASE_URL), args.upstream_key_env);
        }
        for line in &lines {
            let _ = writeln!(out, "{line}");
        }
        let _ = writeln!(out, "{records_line}");
        if let Some(url) = &args.tool_server {
            let _ = writeln!(out, "  tools: {}", super::tool_server_line(url, &args.tool_secret_env));
        }
        if open {
            let _ = writeln!(out, "switchboard: no caller keys are configured (--config): anyone who can reach {addr} may call");
        }
        // Last, so whoever waits for the server can stop reading here.
        let _ = writeln!(out, "switchboard: listening on http://{addr} (Realtime WebSocket: ws://{addr}/v1/realtime)");
        let _ = out.flush();
        drop(out);

        stop.await;
        let live = gateway.active_sessions();
        eprintln!("switchboard: shutting down; {live} live call(s) may finish within {}s", drain_timeout.as_secs());
        gateway.shutdown().await?;
        for emulator in emulators {
            emulator.shutdown().await;
        }
        Ok::<_, Error>(())
    })?;
    Ok(Outcome::Success)
}

/// The rehearsal script beside `agent_file`, or an empty one that says it has ended.
pub(crate) fn rehearsal_script(agent_file: &Path) -> Result<(Script, String), Error> {
    let path: PathBuf = agent_file.parent().map_or_else(
        || PathBuf::from(REHEARSAL_SCRIPT),
        |dir| dir.join(REHEARSAL_SCRIPT),
    );
    if path.is_file() {
        let script = Script::load(&path).map_err(|e| e.to_string())?;
        Ok((script, path.display().to_string()))
    } else {
        let script = Script::from_text("responses: []\n", "(none)").map_err(|e| e.to_string())?;
        Ok((script, format!("none ({} not found)", path.display())))
    }
}

/// Options for an emulator that runs until stopped: it keeps no log of what it received.
pub(crate) fn long_running() -> EmulatorOptions {
    EmulatorOptions {
        forget_received: true,
        ..EmulatorOptions::default()
    }
}
