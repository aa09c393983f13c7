//! `switchboard schema` describes the files the loader accepts: every example agent
//! validates against it, and each broken file in `tests/data/schema-invalid/` is refused by
//! both the schema and the loader.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&switchboard_agent::json_schema())
        .expect("the agent file schema is itself a valid JSON Schema")
}

fn files(dir: &Path, names: &[&str]) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .flat_map(|p| {
            if p.is_dir() {
                names
                    .iter()
                    .map(|n| p.join(n))
                    .filter(|f| f.exists())
                    .collect()
            } else {
                vec![p]
            }
        })
        .collect();
    found.sort();
    found
}

fn errors(validator: &jsonschema::Validator, value: &Value) -> Vec<String> {
    validator
        .iter_errors(value)
        .map(|e| format!("at `{}`: {e}", e.instance_path()))
        .collect()
}

#[test]
fn every_example_agent_validates_against_the_schema() {
    let validator = validator();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/agents");
    let agents = files(&examples, &["agent.yaml", "agent.json"]);
    assert!(
        agents.len() >= 5,
        "only {} example agents found",
        agents.len()
    );
    for file in agents {
        let text = fs::read_to_string(&file).expect("readable example");
        // The loaded document is the file's own content as JSON (YAML included), before any
        // defaults are applied: what an editor validates.
        let loaded = switchboard_agent::load(&text)
            .unwrap_or_else(|d| panic!("{} does not load: {d:#?}", file.display()));
        let problems = errors(&validator, &loaded.document.value);
        assert!(
            problems.is_empty(),
            "{} does not match the schema:\n{}",
            file.display(),
            problems.join("\n")
        );
    }
}

#[test]
fn broken_agent_files_fail_the_schema_and_the_loader() {
    let validator = validator();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/schema-invalid");
    let broken = files(&dir, &[]);
    assert!(
        broken.len() >= 4,
        "only {} broken files found",
        broken.len()
    );
    for file in broken {
        let text = fs::read_to_string(&file).expect("readable test file");
        let value: Value = serde_json::from_str(&text).expect("the test file is JSON");
        assert!(
            !errors(&validator, &value).is_empty(),
            "{} passes the schema but should not",
            file.display()
        );
        assert!(
            switchboard_agent::load(&text).is_err(),
            "{} loads but should not",
            file.display()
        );
    }
}
