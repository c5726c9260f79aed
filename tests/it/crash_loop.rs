//! Crash loops (security checks 39 and 40): the real server under the load of 64 clients that
//! answer an open-link survey over TCP is killed with SIGKILL at a random moment and restarted
//! on the same data, again and again; on PostgreSQL the database server is also crashed
//! (`pg_ctl stop -m immediate`) and restarted under the running app, which must reconnect by
//! itself. A client logs a form (fsync'ed) only after its 303 to the thank-you page, and sends
//! anything unanswered again with the same body. Afterwards every logged form is stored exactly
//! once, with the response its thank-you page named and all its answers as sent; no stored
//! response is partial; and an SQLite file passes `PRAGMA integrity_check`. This proves that
//! the server acknowledges a form only after its commit and that a resent form is never stored
//! twice.
//!
//! `HEARKEN_CRASH_SEED` replays the kill times of a run (its seed is printed first),
//! `HEARKEN_CRASH_ITERATIONS` sets the number of kills and `HEARKEN_CRASH_MAX_DELAY_MS` the
//! latest kill after start-up; `tests/crash/run.sh` sets them for the long runs.

mod audit;
mod cluster;
mod load;

use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::json;

use self::cluster::Cluster;
use self::load::{Load, QUESTIONS};
use crate::TestDatabase;
use crate::crash::{Server, cli, hearken, http, published};
use crate::smtp::{Behaviour, SmtpServer, free_port};

const CLIENTS: usize = 64;
/// The earliest kill after the server came up.
const EARLIEST_KILL: Duration = Duration::from_millis(500);
/// The latest kill by default: short enough for the default run to fit in CI's few minutes;
/// the long runs use the check's 5 s.
const LATEST_KILL: Duration = Duration::from_millis(3000);
/// How long a crashed database stays down, at least and at most.
const OUTAGE_MS: std::ops::RangeInclusive<u64> = 1000..=2000;
/// How long the app may take to come up, to be healthy again after the database came back, or
/// to acknowledge a form again.
const RECOVERY_DEADLINE: Duration = Duration::from_secs(90);

/// The kill schedule: how many kills, and a seeded random source for their moments.
struct Crashes {
    seed: u64,
    cycles: usize,
    latest_kill: Duration,
    rng: StdRng,
}

impl Crashes {
    fn from_env(default_cycles: usize) -> Crashes {
        let seed = env_number("HEARKEN_CRASH_SEED").unwrap_or_else(rand::random);
        let cycles = env_number("HEARKEN_CRASH_ITERATIONS").map_or(default_cycles, |n| n as usize);
        let latest_kill = env_number("HEARKEN_CRASH_MAX_DELAY_MS")
            .map_or(LATEST_KILL, Duration::from_millis)
            .max(EARLIEST_KILL);
        Crashes {
            seed,
            cycles: cycles.max(1),
            latest_kill,
            rng: StdRng::seed_from_u64(seed),
        }
    }

    fn kill_delay(&mut self) -> Duration {
        self.rng.random_range(EARLIEST_KILL..=self.latest_kill)
    }

    fn outage(&mut self) -> Duration {
        Duration::from_millis(self.rng.random_range(OUTAGE_MS))
    }

    fn announce(&self, backend: &str) {
        eprintln!(
            "crash loop ({backend}): seed {seed} (replay with HEARKEN_CRASH_SEED={seed}), \
             {} kills, each {EARLIEST_KILL:?} to {:?} after start-up",
            self.cycles,
            self.latest_kill,
            seed = self.seed
        );
    }
}

fn env_number(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok().filter(|v| !v.trim().is_empty())?;
    Some(
        value
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value} is not a whole number")),
    )
}

/// Starts the server on a fresh port and waits until it answers. Open links take any number of
/// answers from one address: all 64 clients are 127.0.0.1.
fn start(dir: &Path, database_url: &str, smtp_url: &str) -> (Server, u16) {
    let port = free_port();
    let server = Server(
        hearken(dir, database_url, smtp_url)
            .env("ROCKET_PORT", port.to_string())
            .env("HEARKEN_OPEN_LINK_ANSWERS_PER_MINUTE", "0")
            .stdin(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for("the server to come up", || {
        matches!(http(port, "GET", "/health", None, ""), Ok((200, _)))
    });
    (server, port)
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + RECOVERY_DEADLINE;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "waited {RECOVERY_DEADLINE:?} for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A designer, the server, and a published open-link survey of three text questions.
fn prepare(dir: &Path, database_url: &str, smtp_url: &str) -> (Server, u16, String) {
    let run = |args: &[&str]| cli(dir, database_url, smtp_url, args);
    run(&[
        "user",
        "add",
        "--email",
        "loop@example.com",
        "--name",
        "Loop",
        "--role",
        "designer",
    ]);
    let token = run(&["token", "create", "--email", "loop@example.com"]);
    let (server, port) = start(dir, database_url, smtp_url);
    let questions: Vec<_> = QUESTIONS
        .iter()
        .map(|id| json!({"id": id, "kind": "text", "prompt": format!("Question {id}?"), "required": false}))
        .collect();
    let body = json!({"title": "Crash loop", "language": "en", "questions": questions});
    let survey = published(port, &token, &body.to_string());
    (server, port, survey)
}

/// Runs the clients while killing and restarting the server `crashes.cycles` times;
/// `after_restart` runs after each restart. When the kills are done the clients finish the
/// forms they hold on the last server. The forms acknowledged at each kill.
fn run_under_load(
    load: &Load,
    server: &mut Server,
    crashes: &mut Crashes,
    restart: impl Fn() -> (Server, u16),
    mut after_restart: impl FnMut(usize, &mut Crashes),
) -> Vec<usize> {
    let mut acknowledged_at_kills = Vec::new();
    std::thread::scope(|scope| {
        for number in 0..CLIENTS {
            scope.spawn(move || load::client(load, number));
        }
        let _stop = load.stop_when_dropped();
        for cycle in 0..crashes.cycles {
            if load.aborted() {
                break;
            }
            std::thread::sleep(crashes.kill_delay());
            server.0.kill().unwrap();
            server.0.wait().unwrap();
            acknowledged_at_kills.push(load.acknowledged());
            let (restarted, port) = restart();
            *server = restarted;
            load.port.store(port, Ordering::SeqCst);
            after_restart(cycle, crashes);
        }
    });
    acknowledged_at_kills
}

/// Crashes the database under the running app, starts it again, and waits until the same app
/// (no restart: the same port) is healthy and acknowledges forms again.
fn crash_database(cluster: &Cluster, load: &Load, crashes: &mut Crashes) {
    std::thread::sleep(crashes.kill_delay());
    let acknowledged_before = load.acknowledged();
    cluster.crash();
    let outage = crashes.outage();
    std::thread::sleep(outage);
    cluster.start_server();
    let back = Instant::now();
    let port = load.port.load(Ordering::SeqCst);
    wait_for("the app to answer /health with 200 again", || {
        matches!(http(port, "GET", "/health", None, ""), Ok((200, _)))
    });
    let healthy = back.elapsed();
    let before = load.acknowledged();
    wait_for("a form to be acknowledged again", || {
        load.aborted() || load.acknowledged() > before
    });
    eprintln!(
        "database crashed with {acknowledged_before} forms acknowledged, down {:.1} s; once it \
         was back the app was healthy after {:.2} s and acknowledging after {:.2} s",
        outage.as_secs_f64(),
        healthy.as_secs_f64(),
        back.elapsed().as_secs_f64()
    );
}

/// Prints the figures, then fails on any violation, naming the seed that replays the kills.
fn verify(
    backend: &str,
    crashes: &Crashes,
    load: &Load,
    database_url: &str,
    acknowledged_at_kills: &[usize],
    database_crashes: usize,
    began: Instant,
) {
    let replay = format!("replay with HEARKEN_CRASH_SEED={}", crashes.seed);
    let problems = load.problems.lock().unwrap().clone();
    assert!(problems.is_empty(), "{replay}: {problems:?}");
    let figures = audit::check(database_url, load);
    let mut before = 0;
    let kills_under_load = acknowledged_at_kills
        .iter()
        .filter(|&&at| std::mem::replace(&mut before, at) < at)
        .count();
    eprintln!(
        "crash loop ({backend}, seed {}): {} app kills ({kills_under_load} with forms acknowledged \
         since the one before), {database_crashes} database crashes; {} acknowledged ({} of them \
         sent again; posts unanswered {}, answered 5xx {}), {} stored ({} never acknowledged); \
         {} lost, {} doubled, {} misdirected, {} incomplete; integrity {}; {:.1} s",
        crashes.seed,
        acknowledged_at_kills.len(),
        figures.acknowledged,
        load.resent.load(Ordering::SeqCst),
        load.unanswered.load(Ordering::SeqCst),
        load.server_errors.load(Ordering::SeqCst),
        figures.stored,
        figures.unacknowledged,
        figures.lost.len(),
        figures.doubled.len(),
        figures.misdirected.len(),
        figures.incomplete.len(),
        figures.integrity,
        began.elapsed().as_secs_f64()
    );
    let first = |list: &[String]| list.iter().take(5).cloned().collect::<Vec<_>>();
    assert_eq!(
        acknowledged_at_kills.len(),
        crashes.cycles,
        "every kill came"
    );
    assert_eq!(
        figures.acknowledged,
        load.acknowledged(),
        "every acknowledged form is logged"
    );
    assert!(figures.acknowledged > 0, "no form was acknowledged");
    assert!(
        figures.lost.is_empty(),
        "acknowledged, not stored ({replay}): {:?}",
        first(&figures.lost)
    );
    assert!(
        figures.doubled.is_empty(),
        "stored twice ({replay}): {:?}",
        first(&figures.doubled)
    );
    assert!(
        figures.misdirected.is_empty(),
        "the thank-you page named another response ({replay}): {:?}",
        first(&figures.misdirected)
    );
    assert!(
        figures.incomplete.is_empty(),
        "partial or altered responses ({replay}): {:?}",
        first(&figures.incomplete)
    );
    if backend == "sqlite" {
        assert_eq!(figures.integrity, "ok", "{replay}");
    }
}

fn postgres_requested() -> bool {
    std::env::var("HEARKEN_TEST_DATABASE_URL").is_ok_and(|url| !url.is_empty())
}

/// Check 39: SQLite, the app killed under load.
#[test]
fn sqlite_killed_under_load_loses_and_doubles_no_acknowledged_answer() {
    if postgres_requested() {
        return;
    }
    let began = Instant::now();
    let mut crashes = Crashes::from_env(20);
    crashes.announce("sqlite");
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::new(dir.path());
    let sink = SmtpServer::start(Behaviour::default());
    let (mut server, port, survey) = prepare(dir.path(), &database.url, &sink.url());
    let load = Load::new(port, &survey, &dir.path().join("acknowledged"));
    let restart = || start(dir.path(), &database.url, &sink.url());
    let kills = run_under_load(&load, &mut server, &mut crashes, restart, |_, _| {});
    verify("sqlite", &crashes, &load, &database.url, &kills, 0, began);
}

/// Check 40: PostgreSQL, the app killed under load, and the database crashed under the running
/// app, on a cluster of the test's own.
#[test]
fn postgres_app_and_database_killed_under_load_lose_and_double_no_acknowledged_answer() {
    if !postgres_requested() {
        return;
    }
    let began = Instant::now();
    let mut crashes = Crashes::from_env(10);
    crashes.announce("postgres");
    let cluster = Cluster::start();
    let url = cluster.url();
    let dir = tempfile::tempdir().unwrap();
    let sink = SmtpServer::start(Behaviour::default());
    let (mut server, port, survey) = prepare(dir.path(), &url, &sink.url());
    let load = Load::new(port, &survey, &dir.path().join("acknowledged"));
    // One database crash after every third app kill, and at least two, spread over the run.
    let (cycles, planned) = (crashes.cycles, (crashes.cycles / 3).max(2));
    let mut database_crashes = 0;
    let restart = || start(dir.path(), &url, &sink.url());
    let kills = run_under_load(
        &load,
        &mut server,
        &mut crashes,
        restart,
        |cycle, crashes| {
            let due = (cycle + 1) * planned / cycles - cycle * planned / cycles;
            for _ in 0..due {
                crash_database(&cluster, &load, crashes);
                database_crashes += 1;
            }
        },
    );
    verify(
        "postgres",
        &crashes,
        &load,
        &url,
        &kills,
        database_crashes,
        began,
    );
    assert_eq!(database_crashes, planned, "every database crash came");
}
