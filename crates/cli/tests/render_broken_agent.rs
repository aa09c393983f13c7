//! `switchboard render` on an agent file that does not load prints the diagnostics with
//! `file:line:column` on stderr, prints nothing on stdout and exits 2.

use std::path::Path;
use std::process::Command;

#[test]
fn load_errors_point_at_the_file_line_and_column() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/render-broken-agent.yaml");
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("render")
        .arg(&file)
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).expect("utf-8");
    assert!(
        stderr.contains("error[SB0003]: unknown key `use_wen`"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("--> {}:6:5", file.display())),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `use_when`?"), "{stderr}");
}

#[test]
fn a_missing_file_is_an_input_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["render", "/nonexistent/agent.yaml"])
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /nonexistent/agent.yaml"));
}
