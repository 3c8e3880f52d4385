//! The server's durable store: one SQLite database (WAL) holding the input log,
//! the configuration the log starts from, snapshots and the API tokens.
//!
//! - `meta`: the format version, the epoch (the wall-clock instant of the
//!   engine's time zero) and the configuration text the log starts from;
//! - `log`: every call made to the engine, in order: `seq` and the entry as
//!   JSON, the same JSON Lines entries as the simulator's input log
//!   (`switchboard_sim::inputlog`), so that `switchboard replay --from-db`
//!   replays it unchanged;
//! - `snapshots`: the engine's state after entry `seq`, with the configuration
//!   then in force and the agents' push sequence numbers;
//! - `tokens`: API tokens, stored only as SHA-256 digests, with their subject
//!   (`admin` or `agent:ID`);
//! - `contacts`: every contact id (a call's, a web callback's, a conversation's
//!   customer's) the log has carried, written with the log entries, so that a
//!   late retry of a call that has come and gone is recognised
//!   ([`Store::contact_used`]).
//!
//! [`Store::append`] writes a batch of entries in one transaction and commits
//! it (with `synchronous = FULL`, one fsync per batch: group commit). Nothing
//! here panics on a damaged database: every failure is a one-sentence error.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};
use switchboard_sim::inputlog::{Entry, InputLog};

/// The store format this build writes and reads.
const VERSION: &str = "1";

/// A failure of the store, in one sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

/// The database file and the failing operation, in one sentence.
fn err(path: &Path, doing: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError(format!("database {}: {doing} failed: {e}", path.display()))
}

/// What a database was created with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meta {
    /// The wall-clock instant of the engine's time zero, microseconds since the Unix epoch.
    pub epoch_unix_micros: i64,
    /// The configuration text the log starts from.
    pub config: String,
}

/// A saved engine state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedSnapshot {
    /// The number of log entries the state includes.
    pub seq: u64,
    /// The configuration in force then.
    pub config: String,
    /// The engine's state (JSON).
    pub state: String,
    /// The agents' push sequence numbers then (JSON).
    pub pushes: String,
}

/// The open database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Entries in the log.
    len: u64,
}

impl Store {
    /// Opens the database at `path`, creating it (with `meta`) if it does not exist.
    /// Returns the store and its meta, and whether it was just created.
    pub fn open(
        path: &Path,
        create: impl FnOnce() -> Meta,
    ) -> Result<(Store, Meta, bool), StoreError> {
        let conn = Connection::open(path).map_err(|e| err(path, "opening", e))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| err(path, "switching to WAL", e))?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(|e| err(path, "setting synchronous", e))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| err(path, "setting the busy timeout", e))?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS log(seq INTEGER PRIMARY KEY, entry TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS snapshots(seq INTEGER PRIMARY KEY, config TEXT NOT NULL,
                 state TEXT NOT NULL, pushes TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS tokens(hash TEXT PRIMARY KEY, subject TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS contacts(id INTEGER PRIMARY KEY);",
        )
        .map_err(|e| err(path, "creating the tables", e))?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            len: 0,
        };
        let get = |s: &Store, key: &str| -> Result<Option<String>, StoreError> {
            s.conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()
                .map_err(|e| err(path, "reading meta", e))
        };
        let created;
        let meta = match get(&store, "version")? {
            None => {
                let meta = create();
                let tx = store
                    .conn
                    .transaction()
                    .map_err(|e| err(path, "creating", e))?;
                for (k, v) in [
                    ("version", VERSION.to_string()),
                    ("epoch_unix_micros", meta.epoch_unix_micros.to_string()),
                    ("config", meta.config.clone()),
                ] {
                    tx.execute(
                        "INSERT INTO meta(key, value) VALUES (?1, ?2)",
                        params![k, v],
                    )
                    .map_err(|e| err(path, "writing meta", e))?;
                }
                tx.commit().map_err(|e| err(path, "creating", e))?;
                created = true;
                meta
            }
            Some(v) if v == VERSION => {
                let epoch = get(&store, "epoch_unix_micros")?
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| {
                        StoreError(format!(
                            "database {}: its epoch is missing or not a number",
                            path.display()
                        ))
                    })?;
                let config = get(&store, "config")?.ok_or_else(|| {
                    StoreError(format!(
                        "database {}: its starting configuration is missing",
                        path.display()
                    ))
                })?;
                created = false;
                Meta {
                    epoch_unix_micros: epoch,
                    config,
                }
            }
            Some(v) => {
                return Err(StoreError(format!(
                    "database {} has format version {v}; this build reads version {VERSION}",
                    path.display()
                )));
            }
        };
        store.len = store
            .conn
            .query_row("SELECT COALESCE(MAX(seq), 0) FROM log", [], |r| {
                r.get::<_, i64>(0)
            })
            .map_err(|e| err(path, "reading the log", e))? as u64;
        store.index_contacts()?;
        Ok((store, meta, created))
    }

    /// Fills the contacts table from the log once, for a database written
    /// before the table existed.
    fn index_contacts(&mut self) -> Result<(), StoreError> {
        let path = &self.path;
        let done: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'contacts_indexed'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| err(path, "reading meta", e))?;
        if done.is_some() {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction()
            .map_err(|e| err(path, "indexing contacts", e))?;
        tx.execute_batch(
            "INSERT OR IGNORE INTO contacts(id)
                 SELECT COALESCE(json_extract(entry, '$.input.call'),
                                 json_extract(entry, '$.input.contact'))
                 FROM log
                 WHERE json_extract(entry, '$.input.input')
                       IN ('call_arrived', 'web_callback', 'message_received');
             INSERT INTO meta(key, value) VALUES ('contacts_indexed', '1');",
        )
        .map_err(|e| err(path, "indexing contacts", e))?;
        tx.commit().map_err(|e| err(path, "indexing contacts", e))
    }

    /// Whether a log entry has carried this contact id.
    pub fn contact_used(&self, id: u64) -> Result<bool, StoreError> {
        let Ok(id) = i64::try_from(id) else {
            return Ok(false);
        };
        self.conn
            .prepare_cached("SELECT 1 FROM contacts WHERE id = ?1")
            .and_then(|mut stmt| stmt.exists([id]))
            .map_err(|e| err(&self.path, "reading contacts", e))
    }

    /// The number of entries in the log.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the log is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends entries in one transaction and commits it: when this returns Ok,
    /// they are durable.
    pub fn append(&mut self, entries: &[Entry]) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction()
            .map_err(|e| err(&path, "appending", e))?;
        {
            let mut stmt = tx
                .prepare_cached("INSERT INTO log(seq, entry) VALUES (?1, ?2)")
                .map_err(|e| err(&path, "appending", e))?;
            let mut contact = tx
                .prepare_cached("INSERT OR IGNORE INTO contacts(id) VALUES (?1)")
                .map_err(|e| err(&path, "appending", e))?;
            let mut seq = self.len;
            for entry in entries {
                seq += 1;
                let json = serde_json::to_string(entry).map_err(|e| err(&path, "encoding", e))?;
                stmt.execute(params![seq as i64, json])
                    .map_err(|e| err(&path, "appending", e))?;
                if let Entry::Input { input, .. } = entry
                    && let Some(id) = contact_of(input).and_then(|c| i64::try_from(c).ok())
                {
                    contact
                        .execute([id])
                        .map_err(|e| err(&path, "appending", e))?;
                }
            }
        }
        tx.commit().map_err(|e| err(&path, "committing", e))?;
        self.len += entries.len() as u64;
        Ok(())
    }

    /// The log entries after `after` (all of them for 0), in order.
    pub fn read_log(&self, after: u64) -> Result<InputLog, StoreError> {
        let path = &self.path;
        let mut stmt = self
            .conn
            .prepare("SELECT seq, entry FROM log WHERE seq > ?1 ORDER BY seq")
            .map_err(|e| err(path, "reading the log", e))?;
        let rows = stmt
            .query_map([after as i64], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(|e| err(path, "reading the log", e))?;
        let mut log = InputLog::new();
        for row in rows {
            let (seq, text) = row.map_err(|e| err(path, "reading the log", e))?;
            let entry: Entry = serde_json::from_str(&text).map_err(|e| {
                StoreError(format!(
                    "database {}: log entry {seq} is not a valid entry: {e}",
                    path.display()
                ))
            })?;
            match entry {
                Entry::Input { at, input } => log.push_input(at, input),
                Entry::Timeout { at } => log.push_timeout(at),
            }
        }
        Ok(log)
    }

    /// Saves a snapshot and drops older ones.
    pub fn save_snapshot(&mut self, s: &SavedSnapshot) -> Result<(), StoreError> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction()
            .map_err(|e| err(&path, "saving a snapshot", e))?;
        tx.execute(
            "INSERT OR REPLACE INTO snapshots(seq, config, state, pushes) VALUES (?1, ?2, ?3, ?4)",
            params![s.seq as i64, s.config, s.state, s.pushes],
        )
        .map_err(|e| err(&path, "saving a snapshot", e))?;
        tx.execute("DELETE FROM snapshots WHERE seq < ?1", [s.seq as i64])
            .map_err(|e| err(&path, "saving a snapshot", e))?;
        tx.commit().map_err(|e| err(&path, "saving a snapshot", e))
    }

    /// The latest snapshot, if any.
    pub fn latest_snapshot(&self) -> Result<Option<SavedSnapshot>, StoreError> {
        self.conn
            .query_row(
                "SELECT seq, config, state, pushes FROM snapshots ORDER BY seq DESC LIMIT 1",
                [],
                |r| {
                    Ok(SavedSnapshot {
                        seq: r.get::<_, i64>(0)? as u64,
                        config: r.get(1)?,
                        state: r.get(2)?,
                        pushes: r.get(3)?,
                    })
                },
            )
            .optional()
            .map_err(|e| err(&self.path, "reading the snapshot", e))
    }

    /// Stores a token's digest for a subject (`admin` or `agent:ID`).
    pub fn add_token(&mut self, digest: &str, subject: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO tokens(hash, subject) VALUES (?1, ?2)",
                params![digest, subject],
            )
            .map(|_| ())
            .map_err(|e| err(&self.path, "storing a token", e))
    }

    /// Deletes tokens by digest, in one transaction.
    pub fn remove_tokens(&mut self, digests: &[String]) -> Result<(), StoreError> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction()
            .map_err(|e| err(&path, "revoking tokens", e))?;
        for d in digests {
            tx.execute("DELETE FROM tokens WHERE hash = ?1", [d])
                .map_err(|e| err(&path, "revoking tokens", e))?;
        }
        tx.commit().map_err(|e| err(&path, "revoking tokens", e))
    }

    /// Every token digest with its subject.
    pub fn tokens(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT hash, subject FROM tokens ORDER BY hash")
            .map_err(|e| err(&self.path, "reading tokens", e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| err(&self.path, "reading tokens", e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| err(&self.path, "reading tokens", e))
    }
}

/// The contact id an input names a new contact by, if any: a call that
/// arrives, a web callback request, a customer's message (which may open a
/// conversation).
pub fn contact_of(input: &switchboard_core::Input) -> Option<u64> {
    use switchboard_core::Input;
    match input {
        Input::CallArrived { call, .. } => Some(call.0),
        Input::WebCallback { contact, .. } | Input::MessageReceived { contact, .. } => {
            Some(contact.0)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_core::{Input, SimTime};

    fn meta() -> Meta {
        Meta {
            epoch_unix_micros: 42,
            config: "[tenant]\n".into(),
        }
    }

    #[test]
    fn appends_and_reads_back_across_reopen() {
        let dir = std::env::temp_dir().join(format!("sb-store-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.db");
        let (mut s, m, created) = Store::open(&path, meta).unwrap();
        assert!(created);
        assert_eq!(m, meta());
        let entries = vec![
            Entry::Input {
                at: SimTime(1),
                input: Input::CustomerHungUp {
                    call: switchboard_core::ids::CallId(3),
                },
            },
            Entry::Timeout { at: SimTime(2) },
        ];
        s.append(&entries).unwrap();
        s.append(&entries[1..]).unwrap();
        drop(s);
        let (s, m, created) = Store::open(&path, || panic!("exists")).unwrap();
        assert!(!created);
        assert_eq!(m, meta());
        assert_eq!(s.len(), 3);
        assert_eq!(s.read_log(0).unwrap().len(), 3);
        assert_eq!(s.read_log(2).unwrap().entries(), &entries[1..]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn contact_ids_are_remembered_and_indexed_for_older_databases() {
        use switchboard_core::ids::CallId;
        let dir = std::env::temp_dir().join(format!("sb-store-contacts-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.db");
        let (mut s, ..) = Store::open(&path, meta).unwrap();
        let arrived = |call| Entry::Input {
            at: SimTime(1),
            input: Input::CallArrived {
                call: CallId(call),
                from: "+15550001".into(),
                to: "+18005550100".into(),
            },
        };
        let hung_up = Entry::Input {
            at: SimTime(2),
            input: Input::CustomerHungUp { call: CallId(9) },
        };
        s.append(&[arrived(5), hung_up, arrived(7)]).unwrap();
        let used =
            |s: &Store| -> Vec<u64> { (0..12).filter(|&c| s.contact_used(c).unwrap()).collect() };
        assert_eq!(used(&s), [5, 7]);
        assert!(!s.contact_used(u64::MAX).unwrap());
        // A database from before the table: the ids are rebuilt from the log, once.
        s.conn
            .execute_batch("DELETE FROM contacts; DELETE FROM meta WHERE key = 'contacts_indexed';")
            .unwrap();
        assert_eq!(used(&s), [0u64; 0]);
        drop(s);
        let (s, ..) = Store::open(&path, || panic!("exists")).unwrap();
        assert_eq!(used(&s), [5, 7]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_file_that_is_not_a_database_is_an_error() {
        let dir = std::env::temp_dir().join(format!("sb-store-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bad.db");
        std::fs::write(&path, vec![7u8; 4096]).unwrap();
        let e = Store::open(&path, meta).err().expect("an error");
        assert!(e.0.starts_with("database "), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
