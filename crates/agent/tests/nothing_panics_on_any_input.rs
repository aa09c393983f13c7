//! Loading, rendering and linting never panic, whatever the file holds: random text, and
//! every example agent with parts cut out, duplicated or replaced.

use std::path::{Path, PathBuf};

use proptest::prelude::*;

fn example_texts() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/agents");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("examples/agents exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .flat_map(|dir| ["agent.yaml", "agent.json"].map(|f| dir.join(f)))
        .filter(|p| p.exists())
        .collect();
    files.sort();
    assert!(files.len() >= 5, "expected the five example agents");
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("readable example"))
        .collect()
}

/// Runs the whole pipeline; the only requirement is that it returns.
fn exercise(text: &str) {
    if let Ok(loaded) = switchboard_agent::load(text) {
        let _ = switchboard_agent::render_all(&loaded.agent);
        let _ = switchboard_agent::lint(
            &loaded,
            switchboard_agent::Date::from_days_since_epoch(20_794),
        );
    }
}

/// Cuts, repeats or replaces a slice of `text` at char boundaries.
fn mutate(text: &str, start: usize, len: usize, kind: u8, filler: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let start = start % (chars.len() + 1);
    let end = (start + len).min(chars.len());
    let (head, middle, tail) = (&chars[..start], &chars[start..end], &chars[end..]);
    let mut out: String = head.iter().collect();
    match kind % 3 {
        0 => {}
        1 => {
            out.extend(middle);
            out.extend(middle);
        }
        _ => out.push_str(filler),
    }
    out.extend(tail);
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        exercise(&text);
    }

    #[test]
    fn yaml_like_noise_never_panics(text in "([a-z_]{1,8}: ?[\\[\\]{}&*!|>'\"#,:0-9a-z -]{0,12}\n {0,6}){0,20}") {
        exercise(&text);
    }

    #[test]
    fn mutated_examples_never_panic(
        which in 0usize..5,
        start in 0usize..20_000,
        len in 0usize..400,
        kind in 0u8..3,
        filler in prop_oneof![
            Just(String::new()), Just("\t".to_owned()), Just("- ".to_owned()), Just(": [".to_owned()),
            Just("{".to_owned()), Just("&a *a".to_owned()), Just("!!binary x".to_owned()),
            Just("\"\\u00".to_owned()), Just("1e999".to_owned()), Just("---\n".to_owned()),
            "\\PC{0,12}",
        ],
    ) {
        let texts = example_texts();
        exercise(&mutate(&texts[which % texts.len()], start, len, kind, &filler));
    }
}
