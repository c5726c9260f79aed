//! Outbox leases and crashes: a lease names the node and the start of its run, so a restarted
//! node takes back at once what its earlier run held; other nodes take over after a short
//! lease; and a worker renews the lease while a send is under way, so a slow send is never
//! taken over and sent twice.

use std::time::{Duration, Instant};

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use hearken::db::schema::outbox as table;
use hearken::db::{self, DbConn};
use hearken::listening::Rooms;
use hearken::mail::outbox;
use hearken::mail::worker::{Outbox, WorkerOptions};
use hearken::mail::{Email, Message, Node, SurveyInvitation};

use crate::TestApp;
use crate::smtp::{Behaviour, SmtpServer};

/// An application sending over SMTP to `url`, under the node name `node`.
fn app(url: &str, node: &str, lease_ms: Option<u64>) -> TestApp {
    let (url, node) = (url.to_string(), node.to_string());
    TestApp::with(move |f| {
        let f = f
            .merge(("mail_transport", "smtp"))
            .merge(("smtp_url", url))
            .merge(("mail_from", "Hearken Surveys <surveys@hearken.example>"))
            .merge(("node_name", node));
        match lease_ms {
            Some(ms) => f.merge(("mail_lease_ms", ms)),
            None => f,
        }
    })
}

fn email(recipient: &str) -> Email {
    Email {
        recipient: recipient.into(),
        contact_id: None,
        link_id: None,
        message: Message::Invitation(SurveyInvitation {
            survey_title: "Leases".into(),
            survey_intro: String::new(),
            language: "en".into(),
            contact_name: None,
            incentive: None,
        }),
    }
}

/// Queues an email already held by `holder` until `until`, as a worker that died while it
/// held the row leaves it; returns the row id.
fn queue_held(app: &TestApp, recipient: &str, holder: &Node, until: NaiveDateTime) -> String {
    let settings = app.settings().clone();
    let mut conn = app.db().conn().unwrap();
    db::write(&mut conn, |conn| {
        let id = outbox::queue(conn, &settings, email(recipient))?;
        diesel::update(table::table.find(&id))
            .set((
                table::status.eq("sending"),
                table::claimed_until.eq(Some(until)),
                table::claimed_by.eq(Some(&holder.name)),
                table::claimed_by_start.eq(Some(holder.started)),
            ))
            .execute(conn)?;
        Ok::<_, hearken::Error>(id)
    })
    .unwrap()
}

fn status(conn: &mut DbConn, id: &str) -> String {
    outbox::find(conn, id).unwrap().unwrap().status
}

/// Waits up to `within` for the row to be sent; how long it took.
fn time_to_sent(app: &TestApp, id: &str, within: Duration) -> Duration {
    let started = Instant::now();
    let mut conn = app.db().conn().unwrap();
    while status(&mut conn, id) != "sent" {
        assert!(
            started.elapsed() < within,
            "not sent within {within:?}: {:?}",
            outbox::find(&mut conn, id).unwrap()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    started.elapsed()
}

#[test]
fn a_restarted_node_sends_what_its_earlier_run_held_at_once() {
    let server = SmtpServer::start(Behaviour::default());
    let first = app(&server.url(), "node-a", None);
    let earlier_run = Node {
        name: "node-a".into(),
        started: db::now() - TimeDelta::minutes(10),
    };
    let other_node = Node {
        name: "node-b".into(),
        started: db::now() - TimeDelta::minutes(10),
    };
    // Both leases have most of the default minute to run.
    let until = db::now() + TimeDelta::seconds(55);
    let orphan = queue_held(&first, "orphan@example.com", &earlier_run, until);
    let others = queue_held(&first, "others@example.com", &other_node, until);

    // node-a starts again on the same database.
    let _restarted = TestApp::with_client_of(&first);
    let took = time_to_sent(&first, &orphan, Duration::from_secs(10));
    assert!(took < Duration::from_secs(10), "{took:?}");
    let messages = server.wait_for(1, Duration::from_secs(5));
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].to, vec!["orphan@example.com".to_string()]);

    // What another node holds under a live lease stays its own.
    std::thread::sleep(Duration::from_millis(500));
    let mut conn = first.db().conn().unwrap();
    let row = outbox::find(&mut conn, &others).unwrap().unwrap();
    assert_eq!(row.status, "sending");
    assert_eq!(server.messages().len(), 1);
}

#[test]
fn another_node_takes_over_when_the_short_lease_runs_out() {
    let options = WorkerOptions::default();
    assert!(
        options.lease <= Duration::from_secs(60),
        "{:?}",
        options.lease
    );

    let server = SmtpServer::start(Behaviour {
        data_delay: Duration::from_millis(700),
        ..Behaviour::default()
    });
    let app = app(&server.url(), "node-a", None);
    // The lease this node writes is the short one, under its own name.
    let settings = app.settings().clone();
    let mut conn = app.db().conn().unwrap();
    let id = db::write(&mut conn, |conn| {
        outbox::queue(conn, &settings, email("slow@example.com"))
    })
    .unwrap();
    app.client.rocket().state::<Outbox>().unwrap().notify();
    let deadline = Instant::now() + Duration::from_secs(10);
    let (until, holder): (Option<NaiveDateTime>, Option<String>) = loop {
        let (status, until, holder) = table::table
            .find(&id)
            .select((table::status, table::claimed_until, table::claimed_by))
            .first::<(String, Option<NaiveDateTime>, Option<String>)>(&mut *conn)
            .unwrap();
        if status == "sending" {
            break (until, holder);
        }
        assert!(Instant::now() < deadline, "never claimed");
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(holder.as_deref(), Some("node-a"));
    assert!(
        until.unwrap() <= db::now() + TimeDelta::seconds(61),
        "{until:?}"
    );
    time_to_sent(&app, &id, Duration::from_secs(10));

    // A node that died holding a row: the lease it wrote runs out, and this node sends it then.
    let dead = Node {
        name: "node-c".into(),
        started: db::now() - TimeDelta::minutes(1),
    };
    let lease_left = Duration::from_secs(2);
    let until = db::now() + TimeDelta::from_std(lease_left).unwrap();
    let orphan = queue_held(&app, "orphan@example.com", &dead, until);
    app.client.rocket().state::<Outbox>().unwrap().notify();
    let took = time_to_sent(&app, &orphan, Duration::from_secs(15));
    assert!(took >= lease_left - Duration::from_millis(300), "{took:?}");
}

#[test]
fn a_lease_is_renewed_while_a_slow_send_is_under_way() {
    // A send takes several times the lease.
    let server = SmtpServer::start(Behaviour {
        data_delay: Duration::from_millis(3000),
        ..Behaviour::default()
    });
    let app = app(&server.url(), "node-a", Some(800));
    let settings = app.settings().clone();
    let mut conn = app.db().conn().unwrap();
    let id = db::write(&mut conn, |conn| {
        outbox::queue(conn, &settings, email("patient@example.com"))
    })
    .unwrap();
    app.client.rocket().state::<Outbox>().unwrap().notify();
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.mail_commands() == 0 {
        assert!(Instant::now() < deadline, "the send never started");
        std::thread::sleep(Duration::from_millis(10));
    }

    // Another node looks for due rows all through the send and finds none.
    let thief = Node {
        name: "node-b".into(),
        started: db::now(),
    };
    let mut looked = 0;
    while status(&mut conn, &id) == "sending" {
        let taken = outbox::claim(
            &mut conn,
            &thief,
            db::now(),
            Duration::from_secs(60),
            10,
            &Rooms,
        )
        .unwrap();
        assert!(
            taken.is_empty(),
            "another node took a row in the middle of its send"
        );
        looked += 1;
        assert!(Instant::now() < deadline, "the send never ended");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(looked > 20, "the send was over too soon to tell: {looked}");
    assert_eq!(status(&mut conn, &id), "sent");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(server.messages().len(), 1);
}
