//! Every subcommand answers `--help` with its usage and exits 0.

use std::process::Command;

fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(args)
        .arg("--help")
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(0), "{args:?} --help failed");
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Subcommand names listed under "Commands:" in a help text.
fn subcommands(text: &str) -> Vec<String> {
    text.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_subcommand_has_help() {
    let top = help(&[]);
    assert!(top.contains("Usage: switchboard"));
    let mut stack: Vec<Vec<String>> = subcommands(&top).into_iter().map(|s| vec![s]).collect();
    let mut seen = 0;
    while let Some(path) = stack.pop() {
        let args: Vec<&str> = path.iter().map(String::as_str).collect();
        let text = help(&args);
        assert!(
            text.contains(&format!("Usage: switchboard {}", args.join(" "))),
            "{text}"
        );
        seen += 1;
        for sub in subcommands(&text) {
            let mut next = path.clone();
            next.push(sub);
            stack.push(next);
        }
    }
    // events, events parse, events types at least.
    assert!(seen >= 3, "only {seen} subcommands found");
}
