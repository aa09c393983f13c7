//! `switchboard schema` prints the JSON Schema of agent files.

use std::process::Command;

#[test]
fn schema_is_json_describing_agent_files() {
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("schema")
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(0));
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["properties"]["tools"]["type"], "array");
    let required: Vec<&str> = schema["required"]
        .as_array()
        .expect("required keys")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(required, ["name"]);
    // `role` is required unless the agent leaves its instructions to the caller.
    assert_eq!(schema["then"]["required"][0], "role");
    assert_eq!(
        schema["if"]["not"]["properties"]["leave_to_caller"]["contains"]["const"],
        "instructions"
    );
    // Business rules, captures and the escalation knobs are in it, with their vocabularies.
    let defs = &schema["$defs"];
    for (def, field) in [
        ("Tool", "guards"),
        ("Tool", "captures"),
        ("Tool", "output_schema"),
        ("Guard", "counts_as_failure"),
        ("ExitGuard", "to"),
        ("Capture", "key"),
        ("Capture", "argument"),
        ("DynamicState", "guards"),
        ("Escalation", "count_failures"),
        ("Escalation", "reason_argument"),
        ("Escalation", "say_when"),
    ] {
        assert!(
            defs[def]["properties"][field].is_object(),
            "{def}.{field} is described"
        );
    }
    let counting = defs["FailureCounting"].to_string();
    for value in ["per_tool", "all_tools", "off"] {
        assert!(counting.contains(value), "{counting}");
    }
}
