//! Three `hearken` nodes on one PostgreSQL database behind HAProxy, with `deploy/haproxy.cfg`
//! used as it is. The nodes start at the same moment on a fresh database (their migrations
//! race under the advisory lock) and all come up; a staff session made on one node works on
//! the others; an open-link form fetched from one node is accepted by another; 300 completions
//! racing on a pool of 200 coupons issue each code once and owe 100; a prize draw requested on
//! every node at once runs once, and every node reports the same winners; 5,000 invitations go
//! out through the outbox workers of several nodes while one node is killed mid-batch, reaching
//! everyone, with only the killed node's in-flight messages sent twice, with the same
//! Message-ID. Throughout, each node stays under 150 MB resident and the database sees no more
//! connections than the three pools and the test's own. PostgreSQL only: an SQLite file
//! belongs to one node.

mod cluster;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Barrier;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use hearken::config::DatabaseUrl;
use hearken::db::Db;
use serde_json::{Value, json};

use self::cluster::{Browser, Cluster, NODES, POOL_SIZE, StopOnDrop, metric, node_name, sample};
use crate::coupon_crash::number;
use crate::crash::{IN_FLIGHT, api, cli, http, request};
use crate::smtp::{Behaviour, SmtpServer};
use crate::{PASSWORD, TestDatabase, hidden_value};

/// The test's own connections: one pool of two, for the sampler and the checks.
const OWN_CONNECTIONS: i64 = 2;
const RSS_LIMIT_KIB: u64 = 150 * 1024;
const STAFF: &str = "nodes@example.com";
const RESPONDENTS: usize = 30;
const CODES: i64 = 200;
const COMPLETIONS: i64 = 300;
/// Clients sending the completions at once through the balancer.
const CLIENTS: i64 = 20;
const ENTRANTS: usize = 6;
const WINNERS: usize = 2;
const INVITEES: usize = 5_000;
const INVITEE_DOMAIN: &str = "invitees.example";
/// The node killed while the invitations go out, once the sink has been offered this many
/// messages: some, far from all.
const KILLED: usize = 2;
const KILL_AFTER: usize = 1_000;
const MAIL_SENT: &str = "hearken_mail_total{outcome=\"sent\"}";
const STORED: &str = "hearken_submissions_total{outcome=\"stored\"}";

/// The designer's API, through the balancer.
#[derive(Clone, Copy)]
struct Designer<'a> {
    balancer: u16,
    token: &'a str,
}

impl Designer<'_> {
    fn call(&self, method: &str, path: &str, body: Value) -> Value {
        api(self.balancer, self.token, method, path, &body.to_string())
    }

    /// A survey with one optional text question `q` and `incentive`, published; its id.
    fn published(&self, title: &str, incentive: Value) -> String {
        let survey = json!({
            "title": title,
            "intro": "Your answers help us improve our service, so that we can fix what matters to you.",
            "incentive": incentive,
            "questions": [{"id": "q", "kind": "text", "prompt": "Anything?", "required": false}],
        });
        let created = self.call("POST", "/api/v1/surveys", survey);
        let id = created["id"].as_str().unwrap().to_string();
        self.call("POST", &format!("/api/v1/surveys/{id}/publish"), json!({}));
        id
    }
}

/// Signs in on the first node; the session cookie then opens the staff pages on the others.
fn sign_in_once_and_work_on_every_node(ports: &[u16]) {
    let mut browser = Browser::default();
    let (status, login) = browser.send(ports[0], "/login", None);
    assert_eq!(status, 200);
    let csrf = hidden_value(&login, "csrf").expect("csrf field");
    let fields = [("csrf", &*csrf), ("email", STAFF), ("password", PASSWORD)];
    assert_eq!(browser.send(ports[0], "/login", Some(&fields)).0, 303);
    for &port in &ports[1..] {
        let (status, page) = browser.send(port, "/surveys", None);
        assert_eq!(status, 200, "port {port}: {page}");
        assert!(page.contains("<h1>Surveys</h1>") && page.contains("Sign out"));
        // A browser without the cookie is turned away there, so the cookie is what worked.
        assert_ne!(Browser::default().send(port, "/surveys", None).0, 200);
    }
}

/// Each respondent takes the form from one node and posts it to the next.
fn answer_across_nodes(ports: &[u16], survey: &str, db: &Db) {
    let path = format!("/s/{survey}");
    for respondent in 0..RESPONDENTS {
        let (from, to) = (ports[respondent % NODES], ports[(respondent + 1) % NODES]);
        let mut browser = Browser::default();
        let (status, page) = browser.send(from, &path, None);
        assert_eq!(status, 200, "{page}");
        let csrf = hidden_value(&page, "csrf").expect("csrf field");
        let key = hidden_value(&page, "submission").expect("submission field");
        let answer = format!("Answer {respondent}");
        let fields = [("csrf", &*csrf), ("submission", &*key), ("q.q", &*answer)];
        let (status, page) = browser.send(to, &path, Some(&fields));
        assert_eq!(status, 303, "respondent {respondent}: {page}");
    }
    let stored = format!("SELECT COUNT(*) AS n FROM responses WHERE survey_id = '{survey}'");
    assert_eq!(number(db, &stored), RESPONDENTS as i64);
}

/// `COMPLETIONS` completions at once through the balancer on a pool of `CODES` codes.
fn race_for_coupons(ports: &[u16], designer: Designer, db: &Db) {
    let pool = json!({"kind": "coupon", "coupon": {"mode": "pool", "value": "10 % off"}});
    let survey = designer.published("Nodes pool", pool);
    let coupons = format!("/api/v1/surveys/{survey}/coupons");
    let codes: Vec<String> = (0..CODES).map(|i| format!("NODES-{i:03}")).collect();
    let added = designer.call("POST", &coupons, json!({ "codes": codes }));
    assert_eq!(added["added"], CODES, "{added}");
    let stored_before: Vec<u64> = ports.iter().map(|&p| metric(p, STORED)).collect();
    let start_line = Barrier::new(CLIENTS as usize);
    let path = format!("/api/v1/surveys/{survey}/responses");
    let auth = format!("Bearer {}", designer.token);
    std::thread::scope(|scope| {
        for client in 0..CLIENTS {
            let (start_line, auth, path) = (&start_line, &auth, &path);
            scope.spawn(move || {
                start_line.wait();
                for n in (client..COMPLETIONS).step_by(CLIENTS as usize) {
                    let body = json!({"answers": {"q": format!("completion {n}")}}).to_string();
                    let headers = [("Authorization", auth.as_str())];
                    let sent = request(designer.balancer, "POST", path, &headers, &body);
                    assert_eq!(sent.unwrap().0, 201, "completion {n}");
                }
            });
        }
    });
    let stored: Vec<u64> = (ports.iter().zip(stored_before))
        .map(|(&port, before)| metric(port, STORED) - before)
        .collect();
    assert!(
        !stored.contains(&0),
        "the balancer passed a node by: {stored:?}"
    );
    let count = |rows: &str| {
        let sql = format!("SELECT COUNT(*) AS n FROM {rows}").replace("<s>", &survey);
        number(db, &sql)
    };
    let figures = [
        "coupon_grants WHERE survey_id = '<s>'",
        "coupons WHERE survey_id = '<s>' AND grant_id IS NOT NULL",
        "(SELECT DISTINCT grant_id FROM coupons WHERE survey_id = '<s>' AND grant_id IS NOT NULL) g",
        "coupon_grants g WHERE survey_id = '<s>' \
         AND NOT EXISTS (SELECT 1 FROM coupons c WHERE c.grant_id = g.id)",
        "(SELECT response_id FROM coupon_grants WHERE survey_id = '<s>' \
         GROUP BY response_id HAVING COUNT(*) > 1) r",
    ]
    .map(count);
    println!(
        "nodes: {COMPLETIONS} completions on {CODES} codes (per node {stored:?}): {} grants, {} \
         codes issued to {} grants, {} owed, {} responses with two grants",
        figures[0], figures[1], figures[2], figures[3], figures[4]
    );
    // One grant per completion; every code issued, each to a grant of its own; the rest owed.
    let owed = COMPLETIONS - CODES;
    assert_eq!(figures, [COMPLETIONS, CODES, CODES, owed, 0]);
    let listed = designer.call("GET", &format!("{coupons}?limit=1"), Value::Null);
    assert_eq!(
        (&listed["remaining"], &listed["owed"]),
        (&json!(0), &json!(owed))
    );
}

/// The draw requested on every node at the same moment runs once; every node reports it.
fn draw_on_every_node_at_once(ports: &[u16], designer: Designer, db: &Db) {
    let lottery = json!({"kind": "lottery", "lottery": {"prize": "A bike", "winners": WINNERS, "draw_at": "2099-01-01T00:00:00Z", "rules": "One entry per person."}});
    let survey = designer.published("Nodes draw", lottery);
    for entrant in 0..ENTRANTS {
        let answers = json!({"answers": {"q": format!("entrant {entrant}")}});
        designer.call(
            "POST",
            &format!("/api/v1/surveys/{survey}/responses"),
            answers,
        );
    }
    let path = format!("/api/v1/surveys/{survey}/draw");
    let start_line = Barrier::new(NODES);
    let answers: Vec<(u16, String)> = std::thread::scope(|scope| {
        let requests: Vec<_> = (ports.iter())
            .map(|&port| {
                let (start_line, path) = (&start_line, &path);
                scope.spawn(move || {
                    start_line.wait();
                    http(port, "POST", path, Some(designer.token), "{}").unwrap()
                })
            })
            .collect();
        requests.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let mut statuses: Vec<u16> = answers.iter().map(|(status, _)| *status).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409, 409], "{answers:?}");
    let drawn = answers.iter().find(|(status, _)| *status == 200).unwrap();
    let winners = serde_json::from_str::<Value>(&drawn.1).unwrap()["winners"].clone();
    assert_eq!(winners.as_array().unwrap().len(), WINNERS, "{}", drawn.1);
    for &port in ports {
        let seen = api(port, designer.token, "GET", &path, "");
        assert_eq!(
            (&seen["status"], &seen["winners"]),
            (&json!("drawn"), &winners)
        );
    }
    let draws = format!("SELECT COUNT(*) AS n FROM draws WHERE survey_id = '{survey}'");
    assert_eq!(number(db, &format!("{draws} AND status = 'drawn'")), 1);
    println!("nodes: draw requested on {NODES} nodes at once: {statuses:?}, winners {winners}");
}

/// Invites `INVITEES` contacts to `survey` and kills one node while the outbox workers send.
fn invite_while_a_node_dies(
    cluster: &mut Cluster,
    designer: Designer,
    survey: &str,
    sink: &SmtpServer,
    db: &Db,
) {
    let began = Instant::now();
    let invitee = |i: usize| format!("invitee.{i}@{INVITEE_DOMAIN}");
    let contacts: Vec<Value> = (0..INVITEES)
        .map(|i| json!({"email": invitee(i)}))
        .collect();
    let imported = designer.call("POST", "/api/v1/contacts", contacts.into());
    assert_eq!(imported["created"], INVITEES);
    let path = format!("/api/v1/surveys/{survey}/invitations");
    let invited = designer.call("POST", &path, json!({"all_contacts": true}));
    assert_eq!(invited["queued"], INVITEES);

    // The kill must catch the node mid-batch: holding rows (a row names its holder until its
    // outcome is recorded) while the sink is still filling.
    let killed = node_name(KILLED);
    let holding = format!("SELECT COUNT(*) AS n FROM outbox WHERE claimed_by = '{killed}'");
    while sink.mail_commands() < KILL_AFTER || number(db, &holding) == 0 {
        let offered = sink.mail_commands();
        assert!(
            offered < INVITEES * 4 / 5,
            "{killed} held nothing in the batch"
        );
        assert!(began.elapsed().as_secs() < 180, "the sink got {offered}");
        std::thread::sleep(Duration::from_millis(10));
    }
    let sent_by_killed = metric(cluster.ports[KILLED], MAIL_SENT);
    cluster.kill(KILLED);
    let at_kill = sink.messages().len();
    // The balancer hides the dead node at once: a refused connection is tried on another node.
    for _ in 0..2 * NODES {
        let health = http(cluster.balancer, "GET", "/health", None, "");
        assert_eq!(health.unwrap().0, 200);
    }

    let invitations = format!("outbox WHERE recipient LIKE '%@{INVITEE_DOMAIN}'");
    let unsent = format!("SELECT COUNT(*) AS n FROM {invitations} AND status <> 'sent'");
    let deadline = Instant::now() + Duration::from_secs(240);
    while number(db, &unsent) > 0 {
        assert!(Instant::now() < deadline, "{} unsent", number(db, &unsent));
        std::thread::sleep(Duration::from_millis(200));
    }
    let seconds = began.elapsed().as_secs_f64();
    let mut copies: HashMap<String, Vec<String>> = HashMap::new();
    for message in sink.messages() {
        assert_eq!(message.to.len(), 1, "one recipient per message");
        let id = message.header("Message-ID").unwrap_or_default();
        copies
            .entry(message.to[0].to_lowercase())
            .or_default()
            .push(id);
    }
    let missing: Vec<String> = (0..INVITEES)
        .map(invitee)
        .filter(|r| !copies.contains_key(r))
        .collect();
    assert!(missing.is_empty(), "never reached: {missing:?}");
    copies.retain(|recipient, _| recipient.ends_with(INVITEE_DOMAIN));
    assert_eq!(copies.len(), INVITEES, "nobody else was invited");
    for (recipient, ids) in &copies {
        assert!(ids.len() <= 2, "{recipient} received {} copies", ids.len());
        assert!(ids.iter().all(|id| *id == ids[0]), "{recipient}: {ids:?}");
    }
    let received: usize = copies.values().map(Vec::len).sum();
    let duplicated = received - INVITEES;
    // The killed node's count is the one read just before the kill.
    let sent_by: Vec<u64> = (0..NODES)
        .map(|node| match node {
            KILLED => sent_by_killed,
            _ => metric(cluster.ports[node], MAIL_SENT),
        })
        .collect();
    println!(
        "nodes: {received} invitations to {INVITEES} invitees in {seconds:.1} s, {at_kill} \
         received when {killed} was killed, {duplicated} duplicated; sent per node {sent_by:?}"
    );
    assert!(
        duplicated <= IN_FLIGHT,
        "a kill catches at most {IN_FLIGHT} in flight"
    );
    let senders = sent_by.iter().filter(|&&sent| sent > 0).count();
    assert!(senders > 1, "one node sent everything: {sent_by:?}");
}

#[test]
fn three_nodes_behind_haproxy_serve_as_one() {
    let began = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::new(dir.path());
    if !database.is_postgres() {
        return; // An SQLite file is one node's database.
    }
    let sink = SmtpServer::start(Behaviour::default());
    let mut cluster = Cluster::start(dir.path(), &database.url, &sink.url());
    let startup = began.elapsed().as_secs_f64();
    let url = DatabaseUrl::parse(&database.url).unwrap();
    let db = Db::open(&url, OWN_CONNECTIONS as u32, false).unwrap();
    let migrations = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
    let migrations = std::fs::read_dir(migrations).unwrap().count() as i64;
    let applied = "SELECT COUNT(*) AS n FROM __diesel_schema_migrations";
    assert_eq!(number(&db, applied), migrations);
    println!("nodes: {NODES} nodes up together in {startup:.1} s, {migrations} migrations");

    // The staff user comes after the nodes, so that they found the database empty.
    let console = dir.path().join("console");
    let run = |args: &[&str]| cli(&console, &database.url, &sink.url(), args);
    run(&[
        "user", "add", "--email", STAFF, "--name", "Nodes", "--role", "designer",
    ]);
    let token = run(&["token", "create", "--email", STAFF]);
    let designer = Designer {
        balancer: cluster.balancer,
        token: &token,
    };
    let pids: Vec<u32> = cluster.nodes.iter().map(|node| node.0.id()).collect();
    let stop = AtomicBool::new(false);
    let (rss, connections) = std::thread::scope(|scope| {
        let sampler = scope.spawn(|| sample(&pids, &db, &stop));
        let stop_sampler = StopOnDrop(&stop);
        sign_in_once_and_work_on_every_node(&cluster.ports);
        let survey = designer.published("Nodes survey", json!({"kind": "none"}));
        answer_across_nodes(&cluster.ports, &survey, &db);
        race_for_coupons(&cluster.ports, designer, &db);
        draw_on_every_node_at_once(&cluster.ports, designer, &db);
        invite_while_a_node_dies(&mut cluster, designer, &survey, &sink, &db);
        drop(stop_sampler);
        sampler.join().unwrap()
    });

    let bound = NODES as i64 * POOL_SIZE + OWN_CONNECTIONS;
    let mib: Vec<u64> = rss.iter().map(|kib| kib / 1024).collect();
    let seconds = began.elapsed().as_secs_f64();
    println!(
        "nodes: peak RSS per node {mib:?} MiB; peak database connections {connections} \
         (bound {bound}); {seconds:.1} s in all"
    );
    assert!(
        rss.iter().all(|&kib| kib > 0 && kib < RSS_LIMIT_KIB),
        "{rss:?} KiB"
    );
    assert!(connections <= bound, "{connections} connections");
}
