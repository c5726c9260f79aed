//! The machinery of the multi-node test: the nodes and HAProxy as child processes (killed when
//! dropped), a browser whose cookies go from node to node, a node's `/metrics` counters, and a
//! sampler of the nodes' resident memory and the database's connections.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use hearken::db::Db;

use crate::coupon_crash::number;
use crate::crash::{Server, hearken, http};
use crate::form;
use crate::smtp::free_port;

pub const NODES: usize = 3;
/// Each node's database pool, set rather than left to the default so that the bound on
/// connections the test checks does not move with it.
pub const POOL_SIZE: i64 = 8;
/// The outbox lease: short, so the survivors take over a killed node's rows within seconds
/// rather than a minute, yet long enough that a busy node never misses a renewal (every
/// quarter of it) and loses rows it is sending.
const LEASE_MS: &str = "10000";
const METRICS_TOKEN: &str = "nodes-test-metrics-reader";

pub fn node_name(node: usize) -> String {
    format!("node{}", node + 1)
}

/// HAProxy's binary: Debian's place for it, else the first on `PATH`.
fn haproxy_binary() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let on_path = std::env::split_paths(&path).map(|dir| dir.join("haproxy"));
    std::iter::once(PathBuf::from("/usr/sbin/haproxy"))
        .chain(on_path)
        .find(|binary| binary.is_file())
        .expect("HAProxy is missing: install Debian's haproxy package (apt-get install haproxy)")
}

/// A cookie key for this run (base64 of 64 bytes), given to every node so that each reads the
/// cookies the others sign.
fn secret_key() -> String {
    let mut bytes = [0u8; 64];
    let random = std::fs::File::open("/dev/urandom");
    random.and_then(|mut r| r.read_exact(&mut bytes)).unwrap();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Waits until `process` answers `/health` on `port`; its log tells why when it does not.
fn wait_until_healthy(process: &mut Server, port: u16, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(90);
    while !matches!(http(port, "GET", "/health", None, ""), Ok((200, _))) {
        let exited = process.0.try_wait().unwrap();
        let log = || std::fs::read_to_string(log).unwrap_or_default();
        assert!(exited.is_none(), "port {port}: {exited:?}: {}", log());
        assert!(Instant::now() < deadline, "port {port}: {}", log());
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The nodes and the balancer in front of them; every process is killed when this is dropped,
/// also when an assertion fails.
pub struct Cluster {
    pub nodes: Vec<Server>,
    pub ports: Vec<u16>,
    pub balancer: u16,
    _haproxy: Server,
}

impl Cluster {
    /// Starts every node at the same moment on the fresh database, waits until each answers,
    /// then puts HAProxy in front of them.
    pub fn start(dir: &Path, database_url: &str, smtp_url: &str) -> Cluster {
        let haproxy = haproxy_binary();
        let (balancer, key) = (free_port(), secret_key());
        let log = |name: &str| dir.join(format!("{name}.log"));
        let ports: Vec<u16> = (0..NODES).map(|_| free_port()).collect();
        let mut nodes: Vec<Server> = (0..NODES)
            .map(|node| {
                let name = node_name(node);
                let mut command = hearken(&dir.join(&name), database_url, smtp_url);
                command
                    .env("ROCKET_PORT", ports[node].to_string())
                    .env("ROCKET_SECRET_KEY", &key)
                    .env("HEARKEN_NODE_NAME", &name)
                    .env("HEARKEN_BASE_URL", format!("http://127.0.0.1:{balancer}"))
                    .env("HEARKEN_TRUSTED_PROXIES", "127.0.0.1")
                    .env("HEARKEN_DATABASE_POOL_SIZE", POOL_SIZE.to_string())
                    .env("HEARKEN_MAIL_LEASE_MS", LEASE_MS)
                    .env("HEARKEN_METRICS_TOKEN", METRICS_TOKEN)
                    // Every simulated respondent comes from the one loopback address.
                    .env("HEARKEN_OPEN_LINK_ANSWERS_PER_MINUTE", "0")
                    .stderr(std::fs::File::create(log(&name)).unwrap());
                Server(command.spawn().unwrap())
            })
            .collect();
        for (node, process) in nodes.iter_mut().enumerate() {
            wait_until_healthy(process, ports[node], &log(&node_name(node)));
        }
        let mut command = Command::new(haproxy);
        command
            .arg("-db")
            .arg("-f")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/haproxy.cfg"))
            .env("HEARKEN_LB_BIND", format!("127.0.0.1:{balancer}"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log("haproxy")).unwrap());
        for (node, port) in ports.iter().enumerate() {
            command.env(
                format!("HEARKEN_NODE{}", node + 1),
                format!("127.0.0.1:{port}"),
            );
        }
        let mut haproxy = Server(command.spawn().unwrap());
        wait_until_healthy(&mut haproxy, balancer, &log("haproxy"));
        Cluster {
            nodes,
            ports,
            balancer,
            _haproxy: haproxy,
        }
    }

    pub fn kill(&mut self, node: usize) {
        self.nodes[node].0.kill().unwrap();
        self.nodes[node].0.wait().unwrap();
    }
}

/// A counter of one node's `/metrics` (0 while it has none).
pub fn metric(port: u16, series: &str) -> u64 {
    let (status, text) = http(port, "GET", "/metrics", Some(METRICS_TOKEN), "").unwrap();
    assert_eq!(status, 200, "{text}");
    let value = |line: &str| line.strip_prefix(series)?.trim().parse().ok();
    text.lines().find_map(value).unwrap_or(0)
}

/// What a browser carries from node to node: its cookies.
#[derive(Default)]
pub struct Browser {
    cookies: BTreeMap<String, String>,
}

impl Browser {
    /// One request to `port` (a form POST when `fields` are given), redirects not followed;
    /// its status and body. The cookies it sets are kept.
    pub fn send(
        &mut self,
        port: u16,
        path: &str,
        fields: Option<&[(&str, &str)]>,
    ) -> (u16, String) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let jar: Vec<String> = self
            .cookies
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect();
        let request = ureq::http::Request::builder()
            .method(if fields.is_some() { "POST" } else { "GET" })
            .uri(format!("http://127.0.0.1:{port}{path}"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Cookie", jar.join("; "))
            .body(fields.map(form).unwrap_or_default())
            .unwrap();
        let response = agent.run(request).unwrap();
        for set in response.headers().get_all("set-cookie") {
            let pair = set.to_str().unwrap().split(';').next().unwrap();
            match pair.split_once('=') {
                // An empty value (with a past expiry) is how a server removes a cookie.
                Some((name, "")) => self.cookies.remove(name),
                Some((name, value)) => self.cookies.insert(name.into(), value.into()),
                None => None,
            };
        }
        let status = response.status().as_u16();
        (status, response.into_body().read_to_string().unwrap())
    }
}

/// Raises the flag when dropped, so that the sampler stops also when an assertion fails.
pub struct StopOnDrop<'a>(pub &'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Every 100 ms until `stop`: the most each of `pids` had resident (KiB), and the most
/// connections the database had.
pub fn sample(pids: &[u32], db: &Db, stop: &AtomicBool) -> (Vec<u64>, i64) {
    // Client backends only: autovacuum workers visit the database too.
    let connections = "SELECT COUNT(*) AS n FROM pg_stat_activity \
        WHERE datname = current_database() AND backend_type = 'client backend'";
    let (mut rss, mut most) = (vec![0; pids.len()], 0);
    while !stop.load(Ordering::SeqCst) {
        for (peak, pid) in rss.iter_mut().zip(pids) {
            // A killed node has no status any more: its peak is the last one read.
            let status = std::fs::read_to_string(format!("/proc/{pid}/status"));
            for line in status.unwrap_or_default().lines() {
                if let Some(("VmRSS" | "VmHWM", kib)) = line.split_once(':') {
                    let kib = kib.trim().trim_end_matches(" kB").parse().unwrap();
                    *peak = (*peak).max(kib);
                }
            }
        }
        most = most.max(number(db, connections));
        std::thread::sleep(Duration::from_millis(100));
    }
    (rss, most)
}
