//! The database file: its connection settings and its migrations.
//!
//! The schema version is SQLite's `PRAGMA user_version`. Migration `n` (1-based) takes a file
//! from version `n - 1` to `n`; each runs in its own transaction together with the version
//! bump, so a file is always at one known version. Migrations are only ever appended.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::StoreError;

/// The migrations, in order. Times are milliseconds: `started_at`, `ended_at` and `at` since the
/// Unix epoch (UTC), `offset_ms` and `end_ms` since the session started. `seq` numbers a
/// session's records as they arrived, which breaks ties between equal offsets; it is not unique
/// (a session id begun twice keeps both sets of records), so a repeated id can never make a
/// batch fail.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    "
    CREATE TABLE sessions (
        id          TEXT PRIMARY KEY,
        agent       TEXT NOT NULL,
        model       TEXT NOT NULL,
        started_at  INTEGER NOT NULL,
        ended_at    INTEGER,
        outcome     TEXT,
        redaction   TEXT NOT NULL
    ) STRICT;
    CREATE INDEX sessions_by_start ON sessions (started_at);
    CREATE INDEX sessions_by_agent ON sessions (agent, started_at);

    CREATE TABLE utterances (
        id          INTEGER PRIMARY KEY,
        session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        seq         INTEGER NOT NULL,
        speaker     TEXT NOT NULL CHECK (speaker IN ('caller', 'agent')),
        text        TEXT NOT NULL,
        offset_ms   INTEGER NOT NULL,
        end_ms      INTEGER NOT NULL,
        at          INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX utterances_by_session ON utterances (session_id, seq);

    CREATE TABLE tool_calls (
        id          INTEGER PRIMARY KEY,
        session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        seq         INTEGER NOT NULL,
        call_id     TEXT NOT NULL,
        name        TEXT NOT NULL,
        arguments   TEXT NOT NULL,
        result      TEXT NOT NULL,
        outcome     TEXT NOT NULL,
        duration_ms INTEGER NOT NULL,
        offset_ms   INTEGER NOT NULL,
        at          INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX tool_calls_by_session ON tool_calls (session_id, seq);
    CREATE INDEX tool_calls_by_name ON tool_calls (name, at);

    CREATE TABLE guard_decisions (
        id          INTEGER PRIMARY KEY,
        session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        seq         INTEGER NOT NULL,
        decision    TEXT NOT NULL,
        detail      TEXT NOT NULL,
        offset_ms   INTEGER NOT NULL,
        at          INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX guard_decisions_by_session ON guard_decisions (session_id, seq);

    CREATE TABLE transitions (
        id          INTEGER PRIMARY KEY,
        session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        seq         INTEGER NOT NULL,
        from_state  TEXT NOT NULL,
        to_state    TEXT NOT NULL,
        offset_ms   INTEGER NOT NULL,
        at          INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX transitions_by_session ON transitions (session_id, seq);

    CREATE TABLE escalations (
        id          INTEGER PRIMARY KEY,
        session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        seq         INTEGER NOT NULL,
        reason      TEXT NOT NULL,
        summary     TEXT,
        offset_ms   INTEGER NOT NULL,
        at          INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX escalations_by_session ON escalations (session_id, seq);

    CREATE TABLE latency_marks (
        id          INTEGER PRIMARY KEY,
        session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        seq         INTEGER NOT NULL,
        kind        TEXT NOT NULL,
        duration_ms INTEGER NOT NULL,
        offset_ms   INTEGER NOT NULL,
        at          INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX latency_marks_by_session ON latency_marks (session_id, seq);
    CREATE INDEX latency_marks_by_kind ON latency_marks (kind, at);
    ",
    // 2: the agent file each session was served from, so a call can be replayed with it.
    "ALTER TABLE sessions ADD COLUMN agent_path TEXT;",
    // 3: who made a tool call (the model or the supervisor), and the response a line or a
    // call belongs to, with whether it ran outside the conversation.
    "
    ALTER TABLE tool_calls ADD COLUMN called_by TEXT NOT NULL DEFAULT 'model';
    ALTER TABLE tool_calls ADD COLUMN response_id TEXT;
    ALTER TABLE tool_calls ADD COLUMN out_of_band INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE utterances ADD COLUMN response_id TEXT;
    ALTER TABLE utterances ADD COLUMN out_of_band INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE guard_decisions ADD COLUMN tool TEXT;
    ",
];

/// Opens (creating it if needed) the database file and brings it to the current version.
pub(crate) fn open(path: &Path, busy_timeout: Duration) -> Result<Connection, StoreError> {
    let failed = |source| StoreError::Open {
        path: path.to_owned(),
        source,
    };
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(failed)?;
    conn.busy_timeout(busy_timeout).map_err(failed)?;
    // WAL: readers (the CLI) never block the writer. NORMAL: a power cut may lose the last
    // transactions but never corrupts the file, which is the right trade for call records.
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(failed)?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(failed)?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(failed)?;
    migrate(&mut conn, path, MIGRATIONS)?;
    Ok(conn)
}

/// Applies the migrations `conn` has not seen yet.
pub(crate) fn migrate(
    conn: &mut Connection,
    path: &Path,
    migrations: &[&str],
) -> Result<(), StoreError> {
    let known = migrations.len();
    let opened = |source| StoreError::Open {
        path: path.to_owned(),
        source,
    };
    // Read first, without a write lock: a file that is up to date (every open but the first)
    // must not wait for a busy writer.
    let found: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(opened)?;
    if usize::try_from(found).is_ok_and(|found| found == known) {
        return Ok(());
    }
    loop {
        // IMMEDIATE: two processes opening an old file at once migrate it once.
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|source| StoreError::Open {
                path: path.to_owned(),
                source,
            })?;
        let found: i64 = tx
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(|source| StoreError::Open {
                path: path.to_owned(),
                source,
            })?;
        let found = usize::try_from(found).unwrap_or(usize::MAX);
        if found == known {
            return Ok(());
        }
        let Some(sql) = migrations.get(found) else {
            return Err(StoreError::TooNew {
                path: path.to_owned(),
                found,
                known,
            });
        };
        let next = found + 1;
        let failed = |source| StoreError::Migrate {
            path: path.to_owned(),
            version: next,
            source,
        };
        tx.execute_batch(sql).map_err(failed)?;
        tx.pragma_update(None, "user_version", next as i64)
            .map_err(failed)?;
        tx.commit().map_err(failed)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(conn: &Connection) -> i64 {
        conn.pragma_query_value(None, "user_version", |row| row.get(0))
            .unwrap()
    }

    #[test]
    fn an_older_file_is_migrated_step_by_step() {
        let path = Path::new("memory");
        let v1 = "CREATE TABLE t (a INTEGER) STRICT; INSERT INTO t VALUES (1);";
        let v2 = "ALTER TABLE t ADD COLUMN b TEXT; UPDATE t SET b = 'new';";
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, path, &[v1]).unwrap();
        assert_eq!(version(&conn), 1);
        migrate(&mut conn, path, &[v1, v2]).unwrap();
        assert_eq!(version(&conn), 2);
        let b: String = conn.query_row("SELECT b FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(b, "new");
        // Again: nothing to do, nothing applied twice.
        migrate(&mut conn, path, &[v1, v2]).unwrap();
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 1);
    }

    #[test]
    fn a_newer_file_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 7).unwrap();
        let err = migrate(&mut conn, Path::new("x.sqlite"), MIGRATIONS).unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::TooNew {
                    found: 7,
                    known: 3,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("newer"), "{err}");
    }

    #[test]
    fn a_failed_migration_leaves_the_file_at_its_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        let err = migrate(
            &mut conn,
            Path::new("x"),
            &["CREATE TABLE t (a); nonsense;"],
        );
        assert!(matches!(err, Err(StoreError::Migrate { version: 1, .. })));
        assert_eq!(version(&conn), 0);
    }
}
