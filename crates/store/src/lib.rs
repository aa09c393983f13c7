//! Call records: sessions, transcripts, tool calls, guard decisions, transitions, escalations
//! and latency, in one SQLite file.
//!
//! The gateway opens one [`Store`] for its data directory and, per call, [`Store::begin`]s a
//! [`Recorder`], feeds it the engine's [`Record`]s and [`Escalation`]s and [`Recorder::end`]s
//! it. Nothing on that path blocks or fails: items go onto a queue, and one writer thread
//! redacts them ([`Redaction`]) and writes them in batches, one transaction each, retrying a
//! failed batch with backoff before giving it up ([`Store::failed_writes`]). Reading
//! ([`Store::sessions`], [`Store::session`]) is for `switchboard sessions` and for tests.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = std::env::temp_dir().join(format!("switchboard-store-doc-{}", std::process::id()));
//! use std::time::{Duration, SystemTime};
//! use switchboard_engine::{Record, Speaker};
//! use switchboard_store::{Redaction, SessionFilter, SessionStart, Store};
//!
//! let store = Store::open(&dir)?;
//! let call = store.begin(SessionStart {
//!     id: "sess_1".into(),
//!     agent: "northloop".into(),
//!     model: "gpt-realtime".into(),
//!     agent_path: Some("examples/agents/northloop/agent.yaml".into()),
//!     started_at: SystemTime::now(),
//!     redaction: Redaction { phone_numbers: true, ..Redaction::default() },
//! });
//! call.record(&Record::Utterance {
//!     speaker: Speaker::Caller,
//!     text: "It's 415-555-0123.".into(),
//!     start: Duration::from_millis(400),
//!     end: Duration::from_millis(1900),
//! });
//! call.end("completed");
//! store.flush();
//!
//! let listed = store.sessions(&SessionFilter::default())?;
//! assert_eq!(listed[0].utterances, 1);
//! let record = store.session("sess_1")?.expect("it was recorded");
//! let json = serde_json::to_value(&record)?;
//! assert_eq!(json["timeline"][0]["text"], "It's [phone].");
//! # drop(store);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok(())
//! # }
//! ```
//!
//! The file is `switchboard.sqlite` ([`FILE_NAME`]) in the data directory, in WAL mode, so
//! `switchboard sessions` can read while the gateway writes. Its schema is versioned with
//! `PRAGMA user_version`; opening an older file migrates it, a newer one is refused
//! ([`StoreError::TooNew`]). `docs/records.md` describes the tables.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use switchboard_engine::{Escalation, Record, Stamped};

mod read;
mod redact;
mod schema;
pub mod timestamp;
mod writer;

pub use read::{Entry, Event, SessionFilter, SessionRecord, SessionSummary};
pub use redact::Redaction;

use writer::{Item, Message, Meta, What};

/// The name of the database file inside the data directory.
pub const FILE_NAME: &str = "switchboard.sqlite";

/// Why the store could not be opened or read. Write failures are not errors of any call: the
/// writer retries, then logs and counts them ([`Store::failed_writes`]).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The data directory could not be created.
    #[error("cannot create the data directory {path}: {source}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The database file could not be opened or set up.
    #[error("cannot open {path}: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        source: rusqlite::Error,
    },
    /// The file was written by a newer Switchboard, whose schema this one does not know.
    #[error(
        "{path} has schema version {found}, newer than this Switchboard knows ({known}); \
         use a newer switchboard"
    )]
    TooNew {
        /// The file.
        path: PathBuf,
        /// Its schema version.
        found: usize,
        /// The newest version this build knows.
        known: usize,
    },
    /// A migration failed; the file stays at the version before it.
    #[error("cannot migrate {path} to schema version {version}: {source}")]
    Migrate {
        /// The file.
        path: PathBuf,
        /// The version it was being migrated to.
        version: usize,
        /// Why.
        source: rusqlite::Error,
    },
    /// Reading records failed.
    #[error("cannot read call records: {0}")]
    Read(#[source] rusqlite::Error),
}

/// The call records of one data directory. Cheap to clone; every clone shares one writer
/// thread. Dropping the last clone waits until what was queued so far is written.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    /// Unbounded on purpose: records are small and few (a handful per turn), so under any
    /// normal load the queue stays short, and while the disk stalls it is better to hold
    /// records in memory than to lose them or to make a call wait. A bounded queue would
    /// have to drop records or block the call's task, which is worse than the memory.
    messages: Sender<Message>,
    failed: Arc<AtomicU64>,
    reader: Mutex<rusqlite::Connection>,
}

impl Store {
    /// Opens the store in `dir`, creating the directory and the file as needed and migrating
    /// an older file, and starts its writer thread.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        Store::open_with(dir, writer::Config::default())
    }

    fn open_with(dir: &Path, config: writer::Config) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
            path: dir.to_owned(),
            source,
        })?;
        let path = dir.join(FILE_NAME);
        let writer = schema::open(&path, config.busy_timeout)?;
        let reader = schema::open(&path, Duration::from_secs(5))?;
        let (messages, queue) = mpsc::channel();
        let failed = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&failed);
        std::thread::Builder::new()
            .name("switchboard-store".to_owned())
            .spawn(move || writer::run(writer, queue, counter, config))
            .map_err(|source| StoreError::CreateDir {
                path: dir.to_owned(),
                source,
            })?;
        Ok(Store {
            inner: Arc::new(Inner {
                path,
                messages,
                failed,
                reader: Mutex::new(reader),
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Starts recording a session. Never blocks and never fails: problems are the writer's
    /// to report.
    pub fn begin(&self, start: SessionStart) -> Recorder {
        let recorder = Recorder {
            session: Arc::new(Meta {
                id: start.id,
                agent: start.agent,
                model: start.model,
                agent_path: start.agent_path,
                started_at: start.started_at,
                redaction: start.redaction,
            }),
            messages: self.inner.messages.clone(),
            started: Instant::now(),
            seq: AtomicU64::new(0),
            ended: false,
        };
        recorder.send(Duration::ZERO, What::Begin);
        recorder
    }

    /// The sessions `filter` selects, most recent first.
    pub fn sessions(&self, filter: &SessionFilter) -> Result<Vec<SessionSummary>, StoreError> {
        read::sessions(&self.reader(), filter)
    }

    /// Everything recorded about one session, or `None` if there is no such session.
    pub fn session(&self, id: &str) -> Result<Option<SessionRecord>, StoreError> {
        read::session(&self.reader(), id)
    }

    /// Blocks until everything queued before this call is written (or given up).
    pub fn flush(&self) {
        self.inner.flush();
    }

    /// How many batches the writer gave up on after its retries. Their records are lost.
    pub fn failed_writes(&self) -> u64 {
        self.inner.failed.load(Ordering::Relaxed)
    }

    fn reader(&self) -> std::sync::MutexGuard<'_, rusqlite::Connection> {
        // A panic while reading leaves the connection as good as before.
        self.inner
            .reader
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Inner {
    fn flush(&self) {
        let (done, wait) = mpsc::sync_channel(1);
        if self.messages.send(Message::Flush(done)).is_ok() {
            // An error means the writer is gone; there is nothing left to wait for.
            let _ = wait.recv();
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.flush();
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.path)
            .field("failed_writes", &self.failed_writes())
            .finish_non_exhaustive()
    }
}

/// What a session is recorded under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionStart {
    /// The session id, unique in the store.
    pub id: String,
    /// The agent's name.
    pub agent: String,
    /// The model.
    pub model: String,
    /// The agent file the gateway loaded the agent from, when it came from a file: kept so
    /// `switchboard sessions export --as-scenario` can replay the call with it.
    pub agent_path: Option<PathBuf>,
    /// The wall-clock time the session started; records' offsets count from it.
    pub started_at: SystemTime,
    /// What to redact from this session's records before they are written.
    pub redaction: Redaction,
}

/// Records one session. Every method only queues, so none blocks the call. Dropping a
/// recorder that was not [`end`](Recorder::end)ed ends the session with outcome `dropped`.
///
/// Records that carry no time of their own (everything but utterances) are placed at the
/// moment they are handed over, measured from [`Store::begin`]; the `_at` variants take that
/// offset instead, for replays and tests.
#[derive(Debug)]
pub struct Recorder {
    session: Arc<Meta>,
    messages: Sender<Message>,
    started: Instant,
    seq: AtomicU64,
    ended: bool,
}

impl Recorder {
    /// When the session started, by the monotonic clock: offsets count from here. An engine
    /// whose records carry their own times (utterances) should count from the same instant.
    pub fn started(&self) -> Instant {
        self.started
    }

    /// Records what the engine reported.
    pub fn record(&self, record: &Record) {
        self.record_at(record, self.started.elapsed());
    }

    /// Records what the engine reported, `at` this offset since the session started. An
    /// utterance is placed at its own `start`; a tool call at `at` minus its duration (it is
    /// reported when it finishes).
    pub fn record_at(&self, record: &Record, at: Duration) {
        self.send(
            at,
            What::Record {
                record: record.clone(),
                response_id: None,
                out_of_band: false,
            },
        );
    }

    /// Records what the engine reported with its stamp: the engine's time, and the response
    /// the record belongs to.
    pub fn record_stamped(&self, stamped: &Stamped) {
        self.send(
            stamped.at,
            What::Record {
                record: stamped.record.clone(),
                response_id: stamped.response_id.as_ref().map(|r| r.as_str().to_owned()),
                out_of_band: stamped.out_of_band,
            },
        );
    }

    /// Records the hand-off summary of an escalation. It completes the escalation the engine
    /// has just recorded ([`Record::Escalated`] with the same reason), or stands alone.
    pub fn escalated(&self, escalation: &Escalation) {
        self.escalated_at(escalation, self.started.elapsed());
    }

    /// [`escalated`](Recorder::escalated), `at` this offset since the session started.
    pub fn escalated_at(&self, escalation: &Escalation, at: Duration) {
        self.send(
            at,
            What::Escalation {
                reason: escalation.reason.clone(),
                summary: escalation.summary.clone(),
            },
        );
    }

    /// Ends the session now with this outcome (`completed`, `hung_up`, `error`, …).
    pub fn end(self, outcome: &str) {
        let at = self.started.elapsed();
        self.end_at(outcome, at);
    }

    /// Ends the session `at` this offset since it started.
    pub fn end_at(mut self, outcome: &str, at: Duration) {
        self.ended = true;
        self.send(
            at,
            What::End {
                outcome: outcome.to_owned(),
            },
        );
    }

    fn send(&self, at: Duration, what: What) {
        let item = Item {
            session: Arc::clone(&self.session),
            seq: self.seq.fetch_add(1, Ordering::Relaxed),
            at,
            what,
        };
        // Fails only when the writer thread is gone, which only a panic in it can do; a
        // record then has nowhere to go, and the call must go on.
        let _ = self.messages.send(Message::Write(item));
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        if !self.ended {
            self.send(
                self.started.elapsed(),
                What::End {
                    outcome: "dropped".to_owned(),
                },
            );
        }
    }
}

/// Milliseconds since the Unix epoch (0 before it).
pub(crate) fn epoch_ms(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The `sessions.redaction` column: the kinds redacted, comma-separated.
pub(crate) fn redaction_column(r: Redaction) -> String {
    [
        (r.phone_numbers, "phone_numbers"),
        (r.card_numbers, "card_numbers"),
        (r.emails, "emails"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, name)| *name)
    .collect::<Vec<_>>()
    .join(",")
}

pub(crate) fn redaction_from_column(text: &str) -> Redaction {
    let has = |name| text.split(',').any(|kind| kind == name);
    Redaction {
        phone_numbers: has("phone_numbers"),
        card_numbers: has("card_numbers"),
        emails: has("emails"),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU32;

    use switchboard_engine::Speaker;

    use super::*;

    fn tempdir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "switchboard-store-unit-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn start(id: &str) -> SessionStart {
        SessionStart {
            id: id.to_owned(),
            agent: "northloop".to_owned(),
            model: "gpt-realtime".to_owned(),
            agent_path: None,
            started_at: UNIX_EPOCH + Duration::from_secs(1_795_514_400),
            redaction: Redaction::default(),
        }
    }

    fn said(text: &str) -> Record {
        Record::Utterance {
            speaker: Speaker::Caller,
            text: text.to_owned(),
            start: Duration::ZERO,
            end: Duration::from_secs(1),
        }
    }

    fn texts(store: &Store, id: &str) -> Vec<String> {
        store
            .session(id)
            .unwrap()
            .map(|record| record.timeline)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|entry| match entry.event {
                Event::Utterance { text, .. } => Some(text),
                _ => None,
            })
            .collect()
    }

    fn no_waits(hooks: writer::Hooks) -> writer::Config {
        writer::Config {
            busy_timeout: Duration::from_millis(1),
            backoff: vec![Duration::ZERO; 3],
            // Everything queued before a flush is one batch, however slow the machine.
            linger: Duration::from_secs(60),
            hooks,
            ..writer::Config::default()
        }
    }

    #[test]
    fn handles_can_be_shared_between_tasks() {
        fn shared<T: Send + Sync + Clone>() {}
        fn owned<T: Send + Sync>() {}
        shared::<Store>();
        owned::<Recorder>();
    }

    #[test]
    fn a_batch_that_fails_a_few_times_is_written_on_retry() {
        let dir = tempdir("retry");
        let fail = Arc::new(AtomicU32::new(2));
        let (failed_attempt, attempts) = mpsc::channel();
        let hooks = writer::Hooks {
            fail_attempts: Arc::clone(&fail),
            failed_attempt: Some(failed_attempt),
        };
        let store = Store::open_with(&dir, no_waits(hooks)).unwrap();
        let call = store.begin(start("s1"));
        call.record(&said("hello"));
        store.flush();
        assert_eq!(attempts.try_iter().collect::<Vec<_>>(), [1, 2]);
        assert_eq!(store.failed_writes(), 0);
        assert_eq!(texts(&store, "s1"), ["hello"]);
    }

    #[test]
    fn a_batch_that_keeps_failing_is_given_up_counted_and_the_call_goes_on() {
        let dir = tempdir("give-up");
        let fail = Arc::new(AtomicU32::new(4));
        let hooks = writer::Hooks {
            fail_attempts: Arc::clone(&fail),
            failed_attempt: None,
        };
        let store = Store::open_with(&dir, no_waits(hooks)).unwrap();
        let call = store.begin(start("s1"));
        call.record(&said("lost"));
        store.flush();
        assert_eq!(store.failed_writes(), 1);
        // The session row went down with the batch; the next batch brings it back.
        assert!(store.session("s1").unwrap().is_none());
        call.record(&said("kept"));
        call.end("completed");
        store.flush();
        assert_eq!(store.failed_writes(), 1);
        assert_eq!(texts(&store, "s1"), ["kept"]);
        let listed = store.sessions(&SessionFilter::default()).unwrap();
        assert_eq!(listed[0].outcome.as_deref(), Some("completed"));
    }

    /// A real lock, held by another connection: the writer's first attempts fail with
    /// SQLITE_BUSY; once the lock is released, a retry goes through.
    #[test]
    fn a_database_locked_by_another_connection_is_retried() {
        let dir = tempdir("locked");
        let (failed_attempt, attempts) = mpsc::channel();
        let config = writer::Config {
            busy_timeout: Duration::from_millis(1),
            backoff: vec![Duration::from_millis(20); 50],
            hooks: writer::Hooks {
                failed_attempt: Some(failed_attempt),
                ..writer::Hooks::default()
            },
            ..writer::Config::default()
        };
        let store = Store::open_with(&dir, config).unwrap();
        let other = rusqlite::Connection::open(store.path()).unwrap();
        other.execute_batch("BEGIN EXCLUSIVE").unwrap();
        let call = store.begin(start("s1"));
        call.record(&said("waited"));
        // The writer has failed at least once against the lock.
        assert_eq!(attempts.recv().unwrap(), 1);
        other.execute_batch("COMMIT").unwrap();
        store.flush();
        assert_eq!(store.failed_writes(), 0);
        assert_eq!(texts(&store, "s1"), ["waited"]);
    }

    #[test]
    fn a_lock_held_past_every_retry_loses_only_that_batch() {
        let dir = tempdir("locked-long");
        let store = Store::open_with(&dir, no_waits(writer::Hooks::default())).unwrap();
        let other = rusqlite::Connection::open(store.path()).unwrap();
        other.execute_batch("BEGIN EXCLUSIVE").unwrap();
        let call = store.begin(start("s1"));
        call.record(&said("lost"));
        store.flush();
        assert_eq!(store.failed_writes(), 1);
        other.execute_batch("COMMIT").unwrap();
        call.record(&said("kept"));
        store.flush();
        assert_eq!(store.failed_writes(), 1);
        assert_eq!(texts(&store, "s1"), ["kept"]);
    }

    #[test]
    fn the_agent_path_is_kept_and_a_session_from_before_it_was_kept_has_none() {
        let dir = tempdir("agent-path");
        // A file at the first schema version, holding a session.
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(FILE_NAME);
        let mut old = rusqlite::Connection::open(&path).unwrap();
        schema::migrate(&mut old, &path, &schema::MIGRATIONS[..1]).unwrap();
        old.execute_batch(
            "INSERT INTO sessions (id, agent, model, started_at, redaction)
             VALUES ('old', 'northloop', 'gpt-realtime', 0, '')",
        )
        .unwrap();
        drop(old);

        let store = Store::open(&dir).unwrap();
        let mut with_path = start("new");
        with_path.agent_path = Some(PathBuf::from("/agents/northloop/agent.yaml"));
        store.begin(with_path).end("completed");
        store.flush();
        let new = store.session("new").unwrap().unwrap();
        assert_eq!(
            new.agent_path.as_deref(),
            Some(Path::new("/agents/northloop/agent.yaml"))
        );
        let json = serde_json::to_value(&new).unwrap();
        assert_eq!(json["agent_path"], "/agents/northloop/agent.yaml");
        let old = store.session("old").unwrap().unwrap();
        assert_eq!(old.agent_path, None);
        assert!(serde_json::to_value(&old).unwrap()["agent_path"].is_null());
    }

    #[test]
    fn redaction_column_round_trips() {
        for r in [
            Redaction::default(),
            Redaction::ALL,
            Redaction {
                card_numbers: true,
                ..Redaction::default()
            },
        ] {
            assert_eq!(redaction_from_column(&redaction_column(r)), r);
        }
    }
}
