//! The database file carries its schema version: a file from before the first migration is
//! brought up to date, a file from a newer Switchboard is refused with a clear error.

mod common;

use common::tempdir;
use switchboard_store::{FILE_NAME, SessionFilter, Store, StoreError};

#[test]
fn a_file_without_a_schema_is_migrated() {
    let dir = tempdir("schema-old");
    std::fs::create_dir_all(&dir).unwrap();
    let conn = rusqlite::Connection::open(dir.join(FILE_NAME)).unwrap();
    conn.execute_batch("CREATE TABLE notes (text TEXT)")
        .unwrap();
    drop(conn);

    let store = Store::open(&dir).unwrap();
    assert!(
        store
            .sessions(&SessionFilter::default())
            .unwrap()
            .is_empty()
    );
    let conn = rusqlite::Connection::open(dir.join(FILE_NAME)).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .unwrap();
    assert!(version >= 1);
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn a_file_from_a_newer_switchboard_is_refused() {
    let dir = tempdir("schema-new");
    std::fs::create_dir_all(&dir).unwrap();
    let conn = rusqlite::Connection::open(dir.join(FILE_NAME)).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);

    let err = Store::open(&dir).unwrap_err();
    assert!(
        matches!(err, StoreError::TooNew { found: 999, .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("schema version 999"), "{message}");
    assert!(message.contains("newer"), "{message}");
}

#[test]
fn a_data_directory_that_cannot_be_created_is_an_error() {
    let dir = tempdir("schema-not-a-dir");
    std::fs::write(&dir, "a file, not a directory").unwrap();
    let err = Store::open(&dir.join("data")).unwrap_err();
    assert!(matches!(err, StoreError::CreateDir { .. }), "{err:?}");
    std::fs::remove_file(&dir).unwrap();
}
