//! `switchboard bench relay`: what the gateway adds to every frame, measured against the same
//! traffic sent straight to the model, in the same run.

use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use switchboard_engine::CompiledAgent;
use switchboard_gateway::{AgentEntry, Gateway, GatewayConfig, Unconfigured, Upstream};
use switchboard_testkit::EchoModel;
use switchboard_testkit::relay::{self, RelayLoad, RelayMeasure};

use super::{Error, Outcome};
use crate::cli::BenchCommand;

/// The agent the calls run through when none is given: it owns nothing, so the run measures
/// the relay and the engine's bookkeeping, not a prompt.
const PASS_THROUGH: &str = "name: relay\nleave_to_caller: [instructions, tools]\n";
/// File descriptors one session needs: the client's socket, the gateway's two, the model's.
const FDS_PER_SESSION: u64 = 4;

pub(crate) fn run(cmd: BenchCommand) -> Result<Outcome, Error> {
    let BenchCommand::Relay {
        sessions,
        seconds,
        ramp,
        agent,
    } = cmd;
    if sessions == 0 || seconds == 0 {
        return Err("--sessions and --seconds must be at least 1".into());
    }
    let agent = match agent {
        Some(path) => super::load_agent(&path)?.agent,
        None => {
            switchboard_agent::load(PASS_THROUGH)
                .map_err(|_| "the built-in pass-through agent does not load")?
                .agent
        }
    };
    let agent = Arc::new(CompiledAgent::new(agent)?);
    if let Some(limit) = open_files_limit()
        && limit < sessions as u64 * FDS_PER_SESSION + 64
    {
        return Err(format!(
            "{sessions} sessions need about {} open files; this process may open {limit} (raise it with `ulimit -n`)",
            sessions as u64 * FDS_PER_SESSION + 64
        )
        .into());
    }
    let load = RelayLoad {
        sessions,
        duration: Duration::from_secs(seconds),
        ramp: Duration::from_secs(ramp),
        frame: Duration::from_millis(20),
        late_after: Duration::from_millis(40),
    };
    super::runtime()?.block_on(async move {
        let echo = EchoModel::start("127.0.0.1:0").await?;
        let config = GatewayConfig {
            agents: vec![AgentEntry {
                agent,
                upstream: Upstream {
                    base_url: echo.url(),
                    api_key: None,
                    auth: switchboard_gateway::UpstreamAuth::Bearer,
                },
                supervisor: None,
                path: None,
            }],
            default_agent: None,
            keys: Vec::new(),
            drain_timeout: Duration::from_secs(5),
            rehearsal: false,
            store: None,
        };
        let gateway = Gateway::start("127.0.0.1:0", config, Arc::new(Unconfigured)).await?;
        let gateway_url = format!("ws://{}/v1", gateway.local_addr());

        eprintln!("direct to the echo model: {sessions} sessions for {seconds} s…");
        let direct = phase(&echo.url(), &load).await;
        eprintln!("through the gateway: {sessions} sessions for {seconds} s…");
        let relayed = phase(&gateway_url, &load).await;
        report(&load, &direct, &relayed);
        gateway.shutdown().await?;
        echo.shutdown().await;
        Ok::<_, Error>(())
    })?;
    Ok(Outcome::Success)
}

/// One phase's measures, with the process's CPU time and peak memory while it ran.
struct Phase {
    measure: RelayMeasure,
    cpu: Duration,
    peak_rss_kib: u64,
    wall: Duration,
}

async fn phase(url: &str, load: &RelayLoad) -> Phase {
    let (cpu_before, start) = (cpu_time(), Instant::now());
    let peak = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                if let Some(rss) = rss_kib() {
                    peak.fetch_max(rss, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    };
    let measure = relay::run(url, load).await;
    done.store(true, Ordering::Relaxed);
    let _ = sampler.await;
    let cpu = cpu_time()
        .zip(cpu_before)
        .map_or(Duration::ZERO, |(a, b)| a.saturating_sub(b));
    // Let sockets close before the next phase starts.
    tokio::time::sleep(Duration::from_millis(500)).await;
    Phase {
        measure,
        cpu,
        peak_rss_kib: peak.load(Ordering::Relaxed),
        wall: start.elapsed(),
    }
}

fn ms(d: Option<Duration>) -> String {
    d.map_or_else(
        || "n/a".to_owned(),
        |d| format!("{:.3} ms", d.as_secs_f64() * 1e3),
    )
}

fn added(a: Option<Duration>, b: Option<Duration>) -> String {
    match (a, b) {
        (Some(direct), Some(relayed)) => {
            let diff = relayed.as_secs_f64() - direct.as_secs_f64();
            format!(
                "{:.3} ms per round trip, {:.3} ms per event",
                diff * 1e3,
                diff * 1e3 / 2.0
            )
        }
        _ => "n/a".to_owned(),
    }
}

fn report(load: &RelayLoad, direct: &Phase, relayed: &Phase) {
    let mut out = std::io::stdout().lock();
    let n = load.sessions;
    let _ = writeln!(
        out,
        "relay benchmark: {n} sessions, {} s each, PCM16 24 kHz in 20 ms frames both ways at real-time pace",
        load.duration.as_secs()
    );
    let _ = writeln!(out, "machine: {}", machine());
    let _ = writeln!(
        out,
        "{:<22}{:>18}{:>22}   added by the gateway",
        "", "direct", "through the gateway"
    );
    for (label, q) in [
        ("round trip p50", 0.5),
        ("round trip p99", 0.99),
        ("round trip max", 1.0),
    ] {
        let (d, r) = (direct.measure.quantile(q), relayed.measure.quantile(q));
        let _ = writeln!(
            out,
            "{label:<22}{:>18}{:>22}   {}",
            ms(d),
            ms(r),
            added(d, r)
        );
    }
    for (label, pick) in [
        (
            "frames sent",
            (|m: &RelayMeasure| m.sent) as fn(&RelayMeasure) -> u64,
        ),
        ("frames echoed", |m| m.received),
        ("frames lost", RelayMeasure::lost),
        ("frames late (>40 ms)", |m| m.late),
        ("sessions failed", |m| m.failed_sessions as u64),
    ] {
        let _ = writeln!(
            out,
            "{label:<22}{:>18}{:>22}",
            pick(&direct.measure),
            pick(&relayed.measure)
        );
    }
    let session_minutes = n as f64 * load.duration.as_secs_f64() / 60.0;
    let extra_cpu = relayed.cpu.as_secs_f64() - direct.cpu.as_secs_f64();
    let _ = writeln!(
        out,
        "{:<22}{:>17.1}s{:>21.1}s   {:.3} CPU s per session-minute",
        "CPU time (process)",
        direct.cpu.as_secs_f64(),
        relayed.cpu.as_secs_f64(),
        extra_cpu / session_minutes
    );
    let extra_rss = relayed.peak_rss_kib.saturating_sub(direct.peak_rss_kib);
    let _ = writeln!(
        out,
        "{:<22}{:>14} MiB{:>18} MiB   {} KiB per session",
        "peak RSS (process)",
        direct.peak_rss_kib / 1024,
        relayed.peak_rss_kib / 1024,
        extra_rss / n as u64
    );
    let _ = writeln!(
        out,
        "wall time: {:.1} s direct, {:.1} s through the gateway (client, echo model and gateway share this process)",
        direct.wall.as_secs_f64(),
        relayed.wall.as_secs_f64()
    );
}

/// User plus system CPU time of this process (Linux `/proc`), in clock ticks of 10 ms.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start after its closing paren.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    limits
        .lines()
        .find(|l| l.starts_with("Max open files"))?
        .split_whitespace()
        .nth(3)?
        .parse()
        .ok()
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default();
    format!("{cpus} CPUs, {model}, Linux {kernel}")
}
