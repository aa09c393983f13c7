//! Every example agent under `examples/agents/` renders byte-for-byte to its checked-in
//! golden files: `golden/instructions.txt` and `golden/session.update.json`, or one pair per
//! state (`golden/<state>.instructions.txt`, …) for an agent with a dynamic flow.
//!
//! After an intended change to the compiler or an example, regenerate them with
//! `scripts/update-golden` (which sets `SWITCHBOARD_UPDATE_GOLDEN=1`) and review the diff.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// The examples the documentation and the README point at; each must exist.
const EXPECTED: [&str; 5] = [
    "dynamic-verify-resolve",
    "french-tutor",
    "northloop",
    "snowy-peak",
    "supervisor",
];

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/agents")
}

/// `(name, agent file)` for every example directory, sorted by name.
fn examples() -> Vec<(String, PathBuf)> {
    let mut found = Vec::new();
    for entry in fs::read_dir(examples_dir()).expect("examples/agents exists") {
        let dir = entry.expect("a directory entry").path();
        if !dir.is_dir() {
            continue;
        }
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .expect("a UTF-8 directory name")
            .to_owned();
        let file = ["agent.yaml", "agent.json"]
            .iter()
            .map(|f| dir.join(f))
            .find(|p| p.exists())
            .unwrap_or_else(|| panic!("examples/agents/{name} has no agent.yaml or agent.json"));
        found.push((name, file));
    }
    found.sort();
    found
}

/// The golden files an example should have: file name → expected content.
fn render(file: &Path) -> BTreeMap<String, String> {
    let text = fs::read_to_string(file).expect("readable example");
    let loaded = switchboard_agent::load(&text)
        .unwrap_or_else(|diagnostics| panic!("{} does not load: {diagnostics:#?}", file.display()));
    let rendered = switchboard_agent::render_all(&loaded.agent)
        .unwrap_or_else(|e| panic!("{} does not render: {e}", file.display()));
    let mut files = BTreeMap::new();
    for r in rendered {
        let prefix = r.state.map(|s| format!("{s}.")).unwrap_or_default();
        let event = serde_json::to_string_pretty(&r.session_update.to_value())
            .expect("an event is plain JSON");
        files.insert(format!("{prefix}instructions.txt"), r.instructions);
        files.insert(format!("{prefix}session.update.json"), event + "\n");
    }
    files
}

/// A short description of where two texts part, with a few lines of context.
fn difference(expected: &str, actual: &str) -> String {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let first = e
        .iter()
        .zip(&a)
        .position(|(x, y)| x != y)
        .unwrap_or(e.len().min(a.len()));
    let mut out = format!("    first difference at line {}:\n", first + 1);
    let context = first.saturating_sub(2);
    for (i, line) in e.iter().enumerate().skip(context).take(first - context) {
        let _ = writeln!(out, "      {:>4}   {line}", i + 1);
    }
    for line in e.iter().skip(first).take(3) {
        let _ = writeln!(out, "      golden - {line}");
    }
    for line in a.iter().skip(first).take(3) {
        let _ = writeln!(out, "      actual + {line}");
    }
    if e.len() == a.len() && first == e.len() {
        out.push_str("      (the texts differ only in their final newline)\n");
    }
    out
}

#[test]
fn examples_render_to_their_golden_files() {
    let update = std::env::var("SWITCHBOARD_UPDATE_GOLDEN").is_ok_and(|v| v == "1");
    let examples = examples();
    let names: Vec<&str> = examples.iter().map(|(n, _)| n.as_str()).collect();
    for expected in EXPECTED {
        assert!(
            names.contains(&expected),
            "example `{expected}` is missing: {names:?}"
        );
    }

    let mut problems = String::new();
    for (name, file) in &examples {
        let golden = file.parent().expect("in a directory").join("golden");
        let wanted = render(file);
        if update {
            fs::create_dir_all(&golden).expect("golden directory");
        }
        for (file_name, content) in &wanted {
            let path = golden.join(file_name);
            let shown = format!("examples/agents/{name}/golden/{file_name}");
            if update {
                if fs::read_to_string(&path).ok().as_deref() != Some(content) {
                    fs::write(&path, content).expect("golden file written");
                    eprintln!("updated {shown}");
                }
                continue;
            }
            match fs::read_to_string(&path) {
                Ok(have) if &have == content => {}
                Ok(have) => {
                    let _ = writeln!(problems, "{shown} differs:\n{}", difference(&have, content));
                }
                Err(_) => {
                    let _ = writeln!(problems, "{shown} is missing");
                }
            }
        }
        // Golden files nothing renders any more (a renamed state) would mislead reviewers.
        for entry in fs::read_dir(&golden).into_iter().flatten() {
            let path = entry.expect("a directory entry").path();
            let file_name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            if !wanted.contains_key(&file_name) {
                let shown = format!("examples/agents/{name}/golden/{file_name}");
                if update {
                    fs::remove_file(&path).expect("stale golden file removed");
                    eprintln!("removed {shown}");
                } else {
                    let _ = writeln!(problems, "{shown} is stale: nothing renders it");
                }
            }
        }
    }
    if update {
        eprintln!(
            "golden files rewritten (SWITCHBOARD_UPDATE_GOLDEN=1); review them with `git diff examples/`"
        );
    }
    assert!(
        problems.is_empty(),
        "rendered examples do not match their golden files:\n\n{problems}\nIf the change is intended, run scripts/update-golden and review `git diff examples/`."
    );
}
