//! With redaction on, no phone number, card number or email address reaches the disk: the raw
//! bytes of the database file and its write-ahead log are searched after a flush. The same
//! search on a call recorded without redaction finds them, so the search itself works.

mod common;

use std::path::Path;

use common::{CARD, EMAIL, PHONE, nov_24, record_support_call, start, tempdir};
use switchboard_store::{Event, Redaction, Store};

/// Every spelling of the call's personal data that could land on disk.
const NEEDLES: &[&str] = &[
    PHONE,
    "4155550123",
    "555-0123",
    CARD,
    "4111111111111111",
    EMAIL,
    "jane.doe@",
    "@example.com",
];

/// The needles found in the store's files (the database, its `-wal` and `-shm`).
fn found_on_disk(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut bytes_read = 0;
    for entry in std::fs::read_dir(dir).expect("the data directory") {
        let path = entry.expect("a directory entry").path();
        let bytes = std::fs::read(&path).expect("a store file");
        bytes_read += bytes.len();
        for needle in NEEDLES {
            if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                found.push(format!("{needle} in {}", path.display()));
            }
        }
    }
    assert!(bytes_read > 0, "no files in {}", dir.display());
    found
}

#[test]
fn redacted_calls_leave_no_personal_data_in_the_files() {
    let dir = tempdir("pii-redacted");
    let store = Store::open(&dir).unwrap();
    record_support_call(
        &store,
        start("sess_1", "northloop", nov_24(), Redaction::ALL),
    );
    store.flush();
    let wal = dir.join("switchboard.sqlite-wal");
    assert!(
        std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0),
        "the records are in the write-ahead log"
    );

    assert_eq!(found_on_disk(&dir), Vec::<String>::new());

    // The records are there, with placeholders where the data was.
    let record = store.session("sess_1").unwrap().unwrap();
    let said: Vec<&str> = record
        .timeline
        .iter()
        .filter_map(|e| match &e.event {
            Event::Utterance { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert!(
        said.contains(&"Sure, it's [phone], or [email]."),
        "{said:?}"
    );
    assert!(
        said.contains(&"Can you credit my card, [card], for 60 minutes?"),
        "{said:?}"
    );
    // Times and counts are not personal data.
    assert!(said.iter().any(|s| s.contains("by 3:30 pm")), "{said:?}");
}

#[test]
fn without_redaction_the_same_search_finds_the_data() {
    let dir = tempdir("pii-kept");
    let store = Store::open(&dir).unwrap();
    record_support_call(
        &store,
        start("sess_1", "northloop", nov_24(), Redaction::default()),
    );
    store.flush();
    let found = found_on_disk(&dir);
    for needle in [PHONE, CARD, EMAIL] {
        assert!(
            found.iter().any(|f| f.starts_with(needle)),
            "{needle} not found: {found:?}"
        );
    }
}
