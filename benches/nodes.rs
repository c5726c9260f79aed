//! Respondent load from outside, on each way of running Hearken: one node on SQLite, one node
//! on PostgreSQL, three nodes on one PostgreSQL addressed as a list of node URLs (each client
//! takes the form from one node and posts it to the next), and the same three behind HAProxy
//! with `deploy/haproxy.cfg` as it is. Every submission is a full open-link answer (GET the
//! form, POST it; the 303 comes only after the commit), so the rate is of durable submissions.
//! Prints per setup: submissions per second, p50 and p99 latency, errors, the CPU the Hearken
//! processes and the PostgreSQL server spent per submission, and each node's peak RSS; then
//! checks that every acknowledged submission is stored.
//!
//! `cargo bench --bench nodes`. `BENCH_SECONDS` (default 10) is each run's length,
//! `BENCH_CLIENTS` (default 64) the concurrent clients, `BENCH_SETUPS` (default
//! `sqlite,pg1,pg3,pg3-haproxy`) the setups, and `BENCH_DATABASE_URL` (or
//! `HEARKEN_TEST_DATABASE_URL`) a PostgreSQL server on which each PostgreSQL setup creates a
//! database of its own; without one, only SQLite runs. Under `cargo test` it runs one second at
//! 4 clients, as a smoke test.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{
    Client, Server, designer_token_with, free_port, hearken, hidden, published_survey, run, stored,
};

const PASSWORD: &str = "rising tide lifts all boats";
/// The nodes' shared cookie key (base64 of 64 bytes), so any node reads another's cookies.
const SECRET_KEY: &str =
    "hPRYyVRiMyxpw5sBB1XeCMN1kFsDCqKvBi2QJxBVHQk+wFgFcQlRMu3d3kq3aYjkLGuXR8tr7F6L+nZ3tOnmoQ==";

/// Where one setup's load goes: the ports the clients take turns on.
struct Setup {
    name: &'static str,
    nodes: Vec<Server>,
    targets: Vec<u16>,
    _balancer: Option<Balancer>,
    /// A designer's API token.
    token: String,
}

struct Balancer(Child);

impl Drop for Balancer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `url` (a PostgreSQL URL) with its database name replaced.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let cut = base
        .rfind('/')
        .filter(|&i| i > "postgres://".len())
        .unwrap_or(base.len());
    let mut out = format!("{}/{name}", &base[..cut]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// The database a PostgreSQL setup creates for itself.
fn database_name(setup: &str) -> String {
    format!("hearken_bench_{}_{setup}", std::process::id()).replace('-', "_")
}

fn psql(url: &str, sql: &str) {
    let status = Command::new("psql")
        .args([url, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .stdout(Stdio::null())
        .status()
        .expect("psql runs (Debian package postgresql-client)");
    assert!(status.success(), "psql: {sql}");
}

/// User and system CPU of a process so far.
fn cpu_of(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let Some(close) = stat.rfind(')') else {
        return Duration::ZERO;
    };
    let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
    let ticks: u64 = fields
        .get(11..13)
        .map_or(0, |f| f.iter().filter_map(|t| t.parse::<u64>().ok()).sum());
    Duration::from_millis(ticks * 10)
}

/// CPU of every PostgreSQL server process (the postmaster and its backends) so far.
fn postgres_cpu() -> Duration {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Duration::ZERO;
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|name| name.trim() == "postgres")
        })
        .map(cpu_of)
        .sum()
}

fn node(dir: &Path, port: u16, database: Option<&str>) -> Command {
    let mut command = hearken(dir, port);
    command
        .env("ROCKET_SECRET_KEY", SECRET_KEY)
        .env("HEARKEN_PASSWORD", PASSWORD);
    if let Some(url) = database {
        command.env("HEARKEN_DATABASE_URL", url);
    }
    command
}

fn start(name: &'static str, nodes: usize, balanced: bool, pg: Option<&str>, root: &Path) -> Setup {
    let url = pg.map(|server| {
        let database = database_name(name);
        psql(server, &format!("CREATE DATABASE {database}"));
        with_database(server, &database)
    });
    let dirs: Vec<_> = (0..nodes)
        .map(|i| root.join(format!("{name}-{i}")))
        .collect();
    let ports: Vec<u16> = (0..nodes).map(|_| free_port()).collect();
    for dir in &dirs {
        std::fs::create_dir_all(dir).expect("node folder");
    }
    // Migrations and a designer first, with the command-line tools, as an operator would.
    run(node(&dirs[0], ports[0], url.as_deref()).arg("migrate"));
    let token = designer_token_with(|| node(&dirs[0], ports[0], url.as_deref()));
    let mut commands: Vec<Command> = dirs
        .iter()
        .zip(&ports)
        .enumerate()
        .map(|(i, (dir, &port))| {
            let mut command = node(dir, port, url.as_deref());
            command.env("HEARKEN_NODE_NAME", format!("node{}", i + 1));
            if balanced {
                command.env("HEARKEN_TRUSTED_PROXIES", "127.0.0.1");
            }
            command
        })
        .collect();
    let servers: Vec<Server> = commands
        .iter_mut()
        .zip(&ports)
        .map(|(command, &port)| Server::start(command, port))
        .collect();
    let (targets, balancer) = if balanced {
        let port = free_port();
        let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/haproxy.cfg");
        let mut command = Command::new("haproxy");
        command
            .arg("-f")
            .arg(&config)
            .env("HEARKEN_LB_BIND", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (i, node) in ports.iter().enumerate() {
            command.env(
                format!("HEARKEN_NODE{}", i + 1),
                format!("127.0.0.1:{node}"),
            );
        }
        let balancer = Balancer(
            command
                .spawn()
                .expect("haproxy runs (Debian package haproxy)"),
        );
        let mut probe = Client::new(port);
        let deadline = Instant::now() + Duration::from_secs(20);
        while !matches!(probe.request("GET", "/health", &[], ""), Ok(r) if r.status == 200) {
            assert!(Instant::now() < deadline, "the balancer did not come up");
            std::thread::sleep(Duration::from_millis(100));
        }
        (vec![port], Some(balancer))
    } else {
        (ports, None)
    };
    Setup {
        name,
        nodes: servers,
        targets,
        _balancer: balancer,
        token,
    }
}

/// One client: GET the form from one target, POST it to the next, again and again.
fn client(
    targets: &[u16],
    first: usize,
    path: &str,
    stop: &AtomicBool,
) -> (usize, usize, Vec<Duration>) {
    let mut clients: Vec<Client> = targets.iter().map(|&p| Client::new(p)).collect();
    let (mut done, mut errors, mut latencies) = (0, 0, Vec::new());
    let mut turn = first;
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let started = Instant::now();
        let (from, to) = (turn % clients.len(), (turn + 1) % clients.len());
        turn += 1;
        let page = clients[from].request("GET", path, &[], "");
        let Ok(page) = page
            .map_err(|_| ())
            .and_then(|p| if p.status == 200 { Ok(p) } else { Err(()) })
        else {
            errors += 1;
            continue;
        };
        let (Some(csrf), Some(key)) =
            (hidden(&page.body, "csrf"), hidden(&page.body, "submission"))
        else {
            errors += 1;
            continue;
        };
        if from != to {
            let (a, b) = clients.split_at_mut(from.max(to));
            if from < to {
                b[0].share_cookie(&a[from]);
            } else {
                a[to].share_cookie(&b[0]);
            }
        }
        let body = format!(
            "csrf={csrf}&submission={key}&q.improve=Answer+the+phone+sooner+{n}&q.name=Ann&q.channel=Email&q.speed=4&q.recommend=9"
        );
        let headers = [("Content-Type", "application/x-www-form-urlencoded")];
        match clients[to].request("POST", path, &headers, &body) {
            Ok(r) if r.status == 303 && r.location.is_some() => {
                done += 1;
                latencies.push(started.elapsed());
            }
            _ => errors += 1,
        }
    }
    (done, errors, latencies)
}

fn percentile(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

fn measure(setup: &Setup, clients: usize, seconds: u64, uses_postgres: bool) {
    let port = setup.targets[0];
    let mut api = Client::new(port);
    let auth = format!("Bearer {}", setup.token);
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    let survey = published_survey(&mut api, &headers);
    let path = Arc::new(format!("/s/{survey}"));
    let stop = Arc::new(AtomicBool::new(false));
    let node_cpu_before: Duration = setup.nodes.iter().map(|s| cpu_of(s.pid())).sum();
    let db_cpu_before = if uses_postgres {
        postgres_cpu()
    } else {
        Duration::ZERO
    };
    let threads: Vec<_> = (0..clients)
        .map(|i| {
            let (stop, path, targets) = (stop.clone(), path.clone(), setup.targets.clone());
            std::thread::spawn(move || client(&targets, i, &path, &stop))
        })
        .collect();
    let started = Instant::now();
    std::thread::sleep(Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    let (mut done, mut errors, mut latencies) = (0usize, 0usize, Vec::new());
    for (d, e, l) in threads.into_iter().filter_map(|t| t.join().ok()) {
        done += d;
        errors += e;
        latencies.extend(l);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let node_cpu = setup
        .nodes
        .iter()
        .map(|s| cpu_of(s.pid()))
        .sum::<Duration>()
        - node_cpu_before;
    let db_cpu = if uses_postgres {
        postgres_cpu() - db_cpu_before
    } else {
        Duration::ZERO
    };
    latencies.sort();
    let per = |cpu: Duration| cpu.as_secs_f64() * 1e6 / done.max(1) as f64;
    let rss: Vec<String> = setup
        .nodes
        .iter()
        .map(|s| format!("{:.0}", s.peak_rss_kib() as f64 / 1024.0))
        .collect();
    println!(
        "{:<12} {:>7} {:>9.0} {:>8.2} {:>8.2} {:>6} {:>10.0} {:>10.0}   {}",
        setup.name,
        clients,
        done as f64 / elapsed,
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        errors,
        per(node_cpu),
        per(db_cpu),
        rss.join(" / ")
    );
    let kept = stored(&mut api, &headers, &survey);
    assert!(
        kept >= done,
        "{}: {done} acknowledged, {kept} stored",
        setup.name
    );
}

fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if measuring { 10 } else { 1 });
    let clients: usize = std::env::var("BENCH_CLIENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if measuring { 64 } else { 4 });
    let server = std::env::var("BENCH_DATABASE_URL")
        .or_else(|_| std::env::var("HEARKEN_TEST_DATABASE_URL"))
        .ok()
        .filter(|u| u.starts_with("postgres"));
    let wanted =
        std::env::var("BENCH_SETUPS").unwrap_or_else(|_| "sqlite,pg1,pg3,pg3-haproxy".into());
    let root = tempfile::tempdir().expect("temporary folder");
    println!(
        "hearken load from outside: {seconds} s per setup, {clients} clients, open-link submissions (GET the form, POST it), {} CPUs",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "{:<12} {:>7} {:>9} {:>8} {:>8} {:>6} {:>10} {:>10}   node peak RSS MiB",
        "setup", "clients", "per sec", "p50 ms", "p99 ms", "errors", "node µs/sub", "db µs/sub",
    );
    for name in wanted.split(',').map(str::trim) {
        let (label, nodes, balanced, pg): (&'static str, usize, bool, bool) = match name {
            "sqlite" => ("sqlite", 1, false, false),
            "pg1" => ("pg1", 1, false, true),
            "pg3" => ("pg3", 3, false, true),
            "pg3-haproxy" => ("pg3-haproxy", 3, true, true),
            other => panic!("BENCH_SETUPS: unknown setup {other}"),
        };
        if pg && server.is_none() {
            println!("{label:<12} skipped: no PostgreSQL server (set BENCH_DATABASE_URL)");
            continue;
        }
        let setup = start(
            label,
            nodes,
            balanced,
            server.as_deref().filter(|_| pg),
            root.path(),
        );
        measure(&setup, clients, seconds, pg);
        drop(setup);
        if let Some(server) = server.as_deref().filter(|_| pg) {
            psql(
                server,
                &format!("DROP DATABASE IF EXISTS {}", database_name(label)),
            );
        }
    }
}
