//! A history many machines share: one row per run in PostgreSQL, keyed by run id.
//!
//! Appends are single `INSERT … ON CONFLICT (run_id) DO NOTHING` statements, so any number of
//! machines append at once without a lock and without losing or doubling a run: the primary
//! key admits each run id once, and a second append of the same run is recognised as such.
//! The schema is migrated on connect, under an advisory lock, by numbered steps recorded in
//! `harness_schema`; a database migrated by a newer harness is refused untouched.

use std::str::FromStr;

use postgres::{Client, Config, NoTls, Transaction};

use super::{Appended, HistoryError, RunRecord};
use crate::spec::Mode;

/// Schema steps, applied in order, each once. Never edit a step: add one.
const MIGRATIONS: &[(i32, &str)] = &[(
    1,
    "CREATE TABLE harness_runs (
        run_id         text PRIMARY KEY,
        schema_version integer NOT NULL,
        started_at     timestamptz NOT NULL,
        spec_name      text,
        mode           text NOT NULL,
        record         jsonb NOT NULL,
        recorded_at    timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX harness_runs_network ON harness_runs (mode, spec_name, started_at);",
)];

/// Serialises migrations across every harness connecting at once (`pg_advisory_xact_lock`).
const MIGRATION_LOCK: i64 = 0x6f70_6861_726e_6573;

pub struct PgHistory {
    client: Client,
    /// The server and database, without credentials, for messages.
    target: String,
}

impl PgHistory {
    /// Connects and brings the schema up to date.
    pub fn connect(url: &str) -> Result<Self, HistoryError> {
        let config = Config::from_str(url).map_err(|e| HistoryError::Location { location: redact(url), reason: e.to_string() })?;
        let target = describe(&config);
        let client = config.connect(NoTls).map_err(|source| HistoryError::Postgres {
            target: target.clone(),
            context: "cannot connect",
            fix: "start the server (scripts/postgres start) or correct the URL; TLS is not supported, so use a server on a private network",
            source,
        })?;
        let mut history = Self { client, target };
        history.migrate()?;
        Ok(history)
    }

    pub fn target(&self) -> &str {
        &self.target
    }

    fn migrate(&mut self) -> Result<(), HistoryError> {
        let target = self.target.clone();
        let fail = |source| HistoryError::Postgres { target: target.clone(), context: "cannot migrate the schema", fix: MIGRATION_FIX, source };
        let mut tx = self.client.transaction().map_err(fail)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).map_err(fail)?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS harness_schema (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
            .map_err(fail)?;
        let current: i32 = tx.query_one("SELECT coalesce(max(version), 0) FROM harness_schema", &[]).map_err(fail)?.get(0);
        let known = MIGRATIONS.last().map_or(0, |(v, _)| *v);
        if current > known {
            return Err(HistoryError::NewerDatabase { target: target.clone(), found: current, known });
        }
        apply(&mut tx, current).map_err(fail)?;
        tx.commit().map_err(fail)
    }

    /// Every recorded run, oldest first.
    pub fn load(&mut self) -> Result<Vec<RunRecord>, HistoryError> {
        let rows = self.client.query("SELECT run_id, record::text FROM harness_runs", &[]).map_err(|source| self.query_error("cannot read the runs", source))?;
        self.records(&rows)
    }

    /// The runs of one network (spec name and mode), oldest first.
    pub fn network(&mut self, spec_name: Option<&str>, mode: Mode) -> Result<Vec<RunRecord>, HistoryError> {
        let rows = self
            .client
            .query("SELECT run_id, record::text FROM harness_runs WHERE mode = $1 AND spec_name IS NOT DISTINCT FROM $2", &[&mode.name(), &spec_name])
            .map_err(|source| self.query_error("cannot read the runs", source))?;
        self.records(&rows)
    }

    fn records(&self, rows: &[postgres::Row]) -> Result<Vec<RunRecord>, HistoryError> {
        let mut runs = rows
            .iter()
            .map(|row| super::parse_record(&format!("{} (run {})", self.target, row.get::<_, &str>(0)), row.get::<_, &str>(1).as_bytes()))
            .collect::<Result<Vec<_>, _>>()?;
        runs.sort_by(|a, b| (a.time, &a.run_id).cmp(&(b.time, &b.run_id)));
        Ok(runs)
    }

    /// Adds a run; an identical one already there is not added twice, a different one under
    /// the same run id is refused.
    pub fn append(&mut self, run: &RunRecord) -> Result<Appended, HistoryError> {
        let record = serde_json::to_value(run).expect("a run record always serialises");
        let schema = i32::try_from(run.schema_version).expect("schema versions are small");
        let inserted = self
            .client
            .execute(
                "INSERT INTO harness_runs (run_id, schema_version, started_at, spec_name, mode, record)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (run_id) DO NOTHING",
                &[&run.run_id, &schema, &run.time, &run.spec_name, &run.mode.name(), &record],
            )
            .map_err(|source| self.query_error("cannot record the run", source))?;
        if inserted == 1 {
            return Ok(Appended::Recorded);
        }
        let row = self
            .client
            .query_one("SELECT record::text FROM harness_runs WHERE run_id = $1", &[&run.run_id])
            .map_err(|source| self.query_error("cannot read the recorded run", source))?;
        let origin = format!("{} (run {})", self.target, run.run_id);
        match super::parse_record(&origin, row.get::<_, &str>(0).as_bytes())? == *run {
            true => Ok(Appended::AlreadyRecorded),
            false => Err(HistoryError::Conflict { run_id: run.run_id.clone(), first: origin, second: "the run being recorded".into() }),
        }
    }

    fn query_error(&self, context: &'static str, source: postgres::Error) -> HistoryError {
        HistoryError::Postgres { target: self.target.clone(), context, fix: "check the server is up and the user may read and write harness_runs; nothing was changed", source }
    }
}

const MIGRATION_FIX: &str = "connect as a user that may create tables in the database; nothing was changed";

fn apply(tx: &mut Transaction<'_>, current: i32) -> Result<(), postgres::Error> {
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        tx.batch_execute(sql)?;
        tx.execute("INSERT INTO harness_schema (version) VALUES ($1)", &[version])?;
    }
    Ok(())
}

/// `postgres://user@host:port/db`, never the password.
fn describe(config: &Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|h| match h {
            postgres::config::Host::Tcp(name) => name.clone(),
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    let port = config.get_ports().first().map(|p| format!(":{p}")).unwrap_or_default();
    let user = config.get_user().map(|u| format!("{u}@")).unwrap_or_default();
    format!("postgres://{user}{}{port}/{}", hosts.join(","), config.get_dbname().unwrap_or_default())
}

/// A URL fit for a message: the password, if any, replaced.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_never_show_the_password() {
        assert_eq!(redact("postgres://ci:s3cret@db:5432/h"), "postgres://ci:***@db:5432/h");
        assert_eq!(redact("postgres://ci@db/h"), "postgres://ci@db/h");
        let config = Config::from_str("postgres://ci:s3cret@127.0.0.1:6543/history").unwrap();
        assert_eq!(describe(&config), "postgres://ci@127.0.0.1:6543/history");
    }

    #[test]
    fn migrations_are_numbered_upwards_from_one() {
        for (i, (version, _)) in MIGRATIONS.iter().enumerate() {
            assert_eq!(*version, i32::try_from(i).unwrap() + 1);
        }
    }
}
