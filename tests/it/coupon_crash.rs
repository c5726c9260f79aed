//! Crash test for coupons (security check 45 with check 39's kill loop): the real server, fed
//! submissions over TCP by 8 clients at once, is killed with SIGKILL while its pool of 300
//! codes is being exhausted, restarted, killed again, and so on; the clients retry what got no
//! answer with the same `Idempotency-Key` until 450 submissions are acknowledged. The database
//! must then hold every acknowledged response once, each with exactly one grant; every code
//! given once, to one grant; 300 issued and 150 owed; and a stock count equal to the free codes
//! left (none).

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use hearken::config::DatabaseUrl;
use hearken::db::Db;
use serde_json::json;

use crate::TestDatabase;
use crate::crash::{Server, api, cli, request, start};
use crate::smtp::{Behaviour, SmtpServer};

const CODES: usize = 300;
/// Half as many again as there are codes, so the pool runs dry and 150 grants stay owed.
const SUBMISSIONS: usize = 450;
const CLIENTS: usize = 8;
const KILLS: usize = 3;
/// A kill comes this long after the server came up, or sooner at the cycle's mark in
/// `KILL_AT`, so that on a fast machine the kills still fall before and at the pool's end
/// rather than after the load is over.
const KILL_AFTER: Duration = Duration::from_millis(1500);
/// Acknowledged submissions at which each kill comes at the latest: halfway down the pool, just
/// before it runs dry (where a code taken but not committed, or a count ahead of its codes,
/// would show), and among the owed grants after it.
const KILL_AT: [usize; KILLS] = [150, CODES - 10, CODES + 70];
/// How long one submission may keep failing (server down, restarting) before the test gives up.
const SUBMISSION_DEADLINE: Duration = Duration::from_secs(60);

/// What the clients share: the server's current port (it changes on every restart), the
/// submissions handed out, and those acknowledged.
struct Load {
    port: AtomicU16,
    claimed: AtomicUsize,
    /// (Idempotency-Key, response id, HTTP status) of every acknowledged submission.
    acknowledged: Mutex<Vec<(String, String, u16)>>,
    /// Attempts that got no answer or a 5xx, and were sent again.
    retries: AtomicUsize,
}

impl Load {
    fn acknowledged(&self) -> usize {
        self.acknowledged.lock().unwrap().len()
    }
}

/// Sends submissions until `SUBMISSIONS` have been handed out among the clients; each is sent
/// again, with the same key, until the server acknowledges it. A key sent again after the
/// server stored the first attempt but died before answering must get the first response back
/// (200), not a second response.
fn client(load: &Load, token: &str, survey: &str) {
    let auth = format!("Bearer {token}");
    let path = format!("/api/v1/surveys/{survey}/responses");
    loop {
        let slot = load.claimed.fetch_add(1, Ordering::SeqCst);
        if slot >= SUBMISSIONS {
            return;
        }
        let key = format!("coupon-crash-{slot}");
        let body = json!({"answers": {"q": format!("answer {slot}")}}).to_string();
        let deadline = Instant::now() + SUBMISSION_DEADLINE;
        loop {
            let port = load.port.load(Ordering::SeqCst);
            let headers = [("Authorization", auth.as_str()), ("Idempotency-Key", &key)];
            match request(port, "POST", &path, &headers, &body) {
                Ok((status @ (200 | 201), text)) => {
                    let answer: serde_json::Value = serde_json::from_str(&text).unwrap();
                    let id = answer["id"].as_str().unwrap().to_string();
                    load.acknowledged.lock().unwrap().push((key, id, status));
                    break;
                }
                // 0: the connection closed without an answer (the kill); a 5xx: the server
                // could not store it. Neither acknowledges anything, so send it again.
                Ok((0 | 500..=599, _)) | Err(_) => {
                    load.retries.fetch_add(1, Ordering::SeqCst);
                }
                Ok((status, text)) => panic!("{key}: {status} {text}"),
            }
            assert!(
                Instant::now() < deadline,
                "{key} was not acknowledged in time"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// One number from a query whose single column is named `n`.
pub(crate) fn number(db: &Db, sql: &str) -> i64 {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = db.conn().unwrap();
    diesel::sql_query(sql)
        .get_result::<Row>(&mut *conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .n
}

fn texts(db: &Db, sql: &str) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        value: String,
    }
    let mut conn = db.conn().unwrap();
    diesel::sql_query(sql)
        .load::<Row>(&mut *conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .map(|r| r.value)
        .collect()
}

#[test]
fn a_pool_killed_while_running_dry_loses_and_doubles_no_coupon() {
    let began = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::new(dir.path());
    // Only the low-stock email goes out; a sink takes it.
    let sink = SmtpServer::start(Behaviour::default());
    let run = |args: &[&str]| cli(dir.path(), &database.url, &sink.url(), args);
    run(&[
        "user",
        "add",
        "--email",
        "pool@example.com",
        "--name",
        "Pool",
        "--role",
        "designer",
    ]);
    let token = run(&["token", "create", "--email", "pool@example.com"]);

    let (mut server, port) = start(dir.path(), &database.url, &sink.url());
    let created = api(
        port,
        &token,
        "POST",
        "/api/v1/surveys",
        &json!({
            "title": "Pool crash",
            "intro": "Your answers help us improve our service, so that we can fix what matters to you.",
            "language": "en",
            "incentive": {"kind": "coupon", "coupon": {"mode": "pool", "value": "10 % off", "low_stock_at": 5}},
            "questions": [{"id": "q", "kind": "text", "prompt": "Anything?", "required": false}],
        })
        .to_string(),
    );
    let survey = created["id"].as_str().unwrap().to_string();
    api(
        port,
        &token,
        "POST",
        &format!("/api/v1/surveys/{survey}/publish"),
        "{}",
    );
    let codes: Vec<String> = (0..CODES).map(|i| format!("CRASH-{i:03}")).collect();
    let added = api(
        port,
        &token,
        "POST",
        &format!("/api/v1/surveys/{survey}/coupons"),
        &json!({"codes": codes}).to_string(),
    );
    assert_eq!(added["added"].as_u64(), Some(CODES as u64), "{added}");

    let load = Load {
        port: AtomicU16::new(port),
        claimed: AtomicUsize::new(0),
        acknowledged: Mutex::new(Vec::new()),
        retries: AtomicUsize::new(0),
    };
    // Acknowledged submissions at each kill.
    let mut kills = Vec::new();
    std::thread::scope(|scope| {
        for _ in 0..CLIENTS {
            scope.spawn(|| client(&load, &token, &survey));
        }
        for mark in KILL_AT {
            let up = Instant::now();
            while load.acknowledged() < mark && up.elapsed() < KILL_AFTER {
                std::thread::sleep(Duration::from_millis(2));
            }
            server.0.kill().unwrap();
            server.0.wait().unwrap();
            kills.push(load.acknowledged());
            let (restarted, port) = start(dir.path(), &database.url, &sink.url());
            server = restarted;
            load.port.store(port, Ordering::SeqCst);
        }
    });
    let _server: Server = server;

    let acknowledged = load.acknowledged.into_inner().unwrap();
    assert_eq!(acknowledged.len(), SUBMISSIONS);
    let replayed = acknowledged.iter().filter(|a| a.2 == 200).count();
    let keys: HashSet<&str> = acknowledged.iter().map(|a| a.0.as_str()).collect();
    let acknowledged_ids: HashSet<&str> = acknowledged.iter().map(|a| a.1.as_str()).collect();
    assert_eq!(keys.len(), SUBMISSIONS, "every key acknowledged once");
    assert_eq!(
        acknowledged_ids.len(),
        SUBMISSIONS,
        "no two submissions acknowledged with the same response"
    );

    let db = Db::open(&DatabaseUrl::parse(&database.url).unwrap(), 1, false).unwrap();
    if !database.is_postgres() {
        // Check 39's last condition: the killed runs left a sound SQLite file.
        assert_eq!(
            texts(
                &db,
                "SELECT integrity_check AS value FROM pragma_integrity_check"
            ),
            ["ok"]
        );
    }
    let stored: HashSet<String> = texts(&db, "SELECT id AS value FROM responses")
        .into_iter()
        .collect();
    let lost: Vec<&&str> = acknowledged_ids
        .iter()
        .filter(|id| !stored.contains(**id))
        .collect();
    assert!(lost.is_empty(), "acknowledged but not stored: {lost:?}");
    // Every stored response was acknowledged: a retry after a kill found the first attempt's
    // response instead of storing a second one.
    assert_eq!(stored.len(), SUBMISSIONS, "responses stored");

    let grants = number(&db, "SELECT COUNT(*) AS n FROM coupon_grants");
    let responses_without_grant = number(
        &db,
        "SELECT COUNT(*) AS n FROM responses r \
         WHERE NOT EXISTS (SELECT 1 FROM coupon_grants g WHERE g.response_id = r.id)",
    );
    let grants_without_response = number(
        &db,
        "SELECT COUNT(*) AS n FROM coupon_grants g WHERE g.response_id IS NULL \
         OR NOT EXISTS (SELECT 1 FROM responses r WHERE r.id = g.response_id)",
    );
    let responses_with_two_grants = number(
        &db,
        "SELECT COUNT(*) AS n FROM (SELECT response_id FROM coupon_grants \
         GROUP BY response_id HAVING COUNT(*) > 1) d",
    );
    let issued = number(
        &db,
        "SELECT COUNT(*) AS n FROM coupons WHERE grant_id IS NOT NULL",
    );
    let grants_with_two_codes = number(
        &db,
        "SELECT COUNT(*) AS n FROM (SELECT grant_id FROM coupons WHERE grant_id IS NOT NULL \
         GROUP BY grant_id HAVING COUNT(*) > 1) d",
    );
    let codes_of_no_grant = number(
        &db,
        "SELECT COUNT(*) AS n FROM coupons c WHERE c.grant_id IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM coupon_grants g WHERE g.id = c.grant_id)",
    );
    let half_issued = number(
        &db,
        "SELECT COUNT(*) AS n FROM coupons WHERE (grant_id IS NULL) <> (issued_at IS NULL)",
    );
    let owed = number(
        &db,
        "SELECT COUNT(*) AS n FROM coupon_grants g \
         WHERE NOT EXISTS (SELECT 1 FROM coupons c WHERE c.grant_id = g.id)",
    );
    let free = number(
        &db,
        "SELECT COUNT(*) AS n FROM coupons WHERE grant_id IS NULL",
    );
    let all_codes = number(&db, "SELECT COUNT(*) AS n FROM coupons");
    let (stock_added, stock_remaining) = (
        number(&db, "SELECT added AS n FROM coupon_stock"),
        number(&db, "SELECT remaining AS n FROM coupon_stock"),
    );
    let duplicates = responses_with_two_grants + grants_with_two_codes;
    let elapsed = began.elapsed();
    eprintln!(
        "coupon crash: {} acknowledged ({replayed} as replays, {} retries), kills at {kills:?} \
         acknowledged, {} responses, {grants} grants, {issued} issued, {owed} owed, \
         {free} free, stock remaining {stock_remaining}, duplicates {duplicates}, {:.1} s",
        acknowledged.len(),
        load.retries.load(Ordering::SeqCst),
        stored.len(),
        elapsed.as_secs_f64()
    );

    assert_eq!(kills.len(), KILLS);
    assert_eq!(grants, SUBMISSIONS as i64, "one grant per response");
    assert_eq!(responses_without_grant, 0, "responses without a grant");
    assert_eq!(grants_without_response, 0, "grants without a response");
    assert_eq!(responses_with_two_grants, 0, "responses with two grants");
    assert_eq!(grants_with_two_codes, 0, "grants holding two codes");
    assert_eq!(
        codes_of_no_grant, 0,
        "codes given to a grant that is not stored"
    );
    assert_eq!(
        half_issued, 0,
        "codes with a grant but no issue time, or the reverse"
    );
    assert_eq!(all_codes, CODES as i64, "codes in the pool");
    assert_eq!(issued, CODES as i64, "issued = min(codes, completions)");
    assert_eq!(
        owed,
        (SUBMISSIONS - CODES) as i64,
        "owed = completions - codes"
    );
    assert_eq!(
        (stock_added, stock_remaining),
        (CODES as i64, free),
        "the stock count matches the free codes"
    );
    assert_eq!(free, 0);

    // The product's own figures agree with the rows.
    let port = load.port.load(Ordering::SeqCst);
    let listed = api(
        port,
        &token,
        "GET",
        &format!("/api/v1/surveys/{survey}/coupons?limit=1"),
        "",
    );
    assert_eq!(
        (listed["remaining"].as_i64(), listed["owed"].as_i64()),
        (Some(0), Some((SUBMISSIONS - CODES) as i64)),
        "{listed}"
    );
}
