//! Security check 45's model test: a coupon pool driven by random sequences of respondent and
//! staff actions and compared, after every step, with a small reference model.
//!
//! The system: a published, non-anonymous survey with one optional question and a POOL coupon
//! incentive, and six contacts each holding a personal link. The steps: a respondent submits
//! through their link (again after completing, too), the same form is sent twice (a double
//! click), a used link is reopened, the designer adds 1 to 5 codes, and the server restarts on
//! the same data folder and database. The model is each invitation's code (none yet, owed, or
//! a code), the pool's free codes in the order added and the owed invitations in the order they
//! completed, which is the order owed codes must be served in.
//!
//! After every step: one response and one grant per completed invitation, each used link shows
//! exactly the model's code (or that it is owed), every code is listed once, on the right
//! response, and the pool's `remaining` and `owed` counts are the model's. A submission and its
//! resend also check the thank-you page they lead to, and that a resend leads to the same one.
//!
//! 24 cases of up to 30 steps each (about 20 s in a debug build); `PROPTEST_CASES` sets
//! another figure. The cases share one app (each with its own survey, contacts and codes),
//! because starting an app is most of a case's cost. It runs on the backend the harness uses,
//! so on PostgreSQL too when the suite is run with `HEARKEN_TEST_DATABASE_URL`.

use std::cell::RefCell;
use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};

use hearken::auth::Role;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest};
use rocket::http::Status;
use rocket::local::blocking::Client;
use serde_json::{Value, json};

use crate::respond::{follow, send};
use crate::surveys::{get, post};
use crate::{TestApp, csrf_of, hidden_value};

/// Invitations in the model: few enough that steps often hit the same one twice.
const PEOPLE: usize = 6;
/// What a used personal link and a refused second answer say (English, the survey's language).
const ALREADY: &str = "You have already answered";
/// The heading shown instead of a code while one is owed.
const OWED: &str = "Your coupon is on its way";

thread_local! {
    /// The app between cases: proptest runs them one after another on this thread. A case that
    /// fails drops its app, and the next starts a fresh one.
    static SHARED: RefCell<Option<TestApp>> = const { RefCell::new(None) };
}

/// Cases started, to give each its own codes (codes are unique across surveys, and a shrink
/// step replays a case on the same app).
static CASES: AtomicUsize = AtomicUsize::new(0);

#[derive(Debug, Clone, Copy)]
enum Step {
    Submit(usize),
    Resubmit(usize),
    Reload(usize),
    AddCodes(usize),
    Restart,
}

#[derive(Debug, Clone, Default)]
struct Model {
    /// Per invitation: `None` before it completes, then `Some(None)` while its code is owed and
    /// `Some(Some(n))` once it has the n-th code added.
    codes: Vec<Option<Option<usize>>>,
    /// Pool codes not given yet, oldest first.
    free: VecDeque<usize>,
    /// Completed invitations still waiting for a code, in the order they completed.
    owed: VecDeque<usize>,
    /// Codes added so far (the next code's number).
    added: usize,
    /// Whether the invitation's last form post is the one that completed it (so sending it
    /// again must lead to the same thank-you page) rather than one refused as already answered.
    last_completed: Vec<bool>,
    /// Whether a form was ever posted for the invitation (there is something to send again).
    posted: Vec<bool>,
}

impl Model {
    fn completed(&self) -> usize {
        self.codes.iter().filter(|c| c.is_some()).count()
    }
}

struct CouponModel;

impl ReferenceStateMachine for CouponModel {
    type State = Model;
    type Transition = Step;

    fn init_state() -> BoxedStrategy<Model> {
        Just(Model {
            codes: vec![None; PEOPLE],
            last_completed: vec![false; PEOPLE],
            posted: vec![false; PEOPLE],
            ..Model::default()
        })
        .boxed()
    }

    fn transitions(state: &Model) -> BoxedStrategy<Step> {
        let posted: Vec<usize> = (0..PEOPLE).filter(|&i| state.posted[i]).collect();
        // Submissions weigh most, so pools run dry and owed lists grow; restarts are rarer
        // because each one rebuilds the whole application.
        let base = prop_oneof![
            4 => (0..PEOPLE).prop_map(Step::Submit),
            2 => (0..PEOPLE).prop_map(Step::Reload),
            2 => (1..=5usize).prop_map(Step::AddCodes),
            1 => Just(Step::Restart),
        ];
        if posted.is_empty() {
            base.boxed()
        } else {
            prop_oneof![
                9 => base,
                2 => proptest::sample::select(posted).prop_map(Step::Resubmit),
            ]
            .boxed()
        }
    }

    fn preconditions(state: &Model, step: &Step) -> bool {
        // Shrinking may drop the post a resend repeats.
        match step {
            Step::Resubmit(i) => state.posted[*i],
            _ => true,
        }
    }

    fn apply(mut state: Model, step: &Step) -> Model {
        match *step {
            Step::Submit(i) => {
                state.posted[i] = true;
                let first = state.codes[i].is_none();
                state.last_completed[i] = first;
                if first {
                    let given = state.free.pop_front();
                    if given.is_none() {
                        state.owed.push_back(i);
                    }
                    state.codes[i] = Some(given);
                }
            }
            Step::AddCodes(n) => {
                for _ in 0..n {
                    let new = state.added;
                    state.added += 1;
                    // A pool with free codes owes nobody, so new codes serve the owed first.
                    match state.owed.pop_front() {
                        Some(j) => state.codes[j] = Some(Some(new)),
                        None => state.free.push_back(new),
                    }
                }
            }
            Step::Resubmit(_) | Step::Reload(_) | Step::Restart => {}
        }
        state
    }
}

/// One personal link: its token and the invitation it opens.
struct Link {
    token: String,
    invitation: String,
}

/// Everything the test remembers about the running system besides the app itself.
struct World {
    /// This case's part of every code.
    tag: String,
    designer: String,
    survey: String,
    field: String,
    links: Vec<Link>,
    /// The fields of each invitation's last form post, to send again.
    last: Vec<Option<Vec<(String, String)>>>,
    /// The thank-you address the completing post led to, and the response it names.
    thanks: Vec<Option<(String, String)>>,
    /// Posts so far, to give each one different answers.
    posts: usize,
}

struct Sut {
    app: TestApp,
    world: World,
}

fn setup() -> Sut {
    let app = SHARED
        .with(|shared| shared.borrow_mut().take())
        .unwrap_or_default();
    let case = CASES.fetch_add(1, Ordering::Relaxed);
    let (_, designer) = app.user_with_token(Role::Designer);
    let body = json!({
        "title": "Model check",
        "intro": "Your answers help us improve our service, so that we can fix what matters to you.",
        "language": "en",
        "anonymous": false,
        "incentive": {"kind": "coupon", "coupon": {"mode": "pool", "value": "10 % off"}},
        "questions": [{"kind": "long_text", "prompt": "What could we do better?", "required": false}],
    });
    let (status, created) = post(&app, &designer, "/api/v1/surveys", &body);
    assert_eq!(status, Status::Created, "{created}");
    let survey = created["id"].as_str().unwrap().to_string();
    let field = format!("q.{}", created["questions"][0]["id"].as_str().unwrap());
    let path = format!("/api/v1/surveys/{survey}/publish");
    let (status, published) = post(&app, &designer, &path, &json!({}));
    assert_eq!(status, Status::Ok, "{published}");
    let people: Vec<Value> = (0..PEOPLE)
        .map(|i| json!({"email": format!("c{case}-p{i}@example.com"), "name": format!("Person {i}")}))
        .collect();
    let (status, imported) = post(&app, &designer, "/api/v1/contacts", &json!(people));
    assert_eq!(status, Status::Ok, "{imported}");
    let contacts = app.texts(&format!(
        "SELECT id AS value FROM contacts WHERE email LIKE 'c{case}-p%' ORDER BY email"
    ));
    assert_eq!(contacts.len(), PEOPLE);
    let links = contacts
        .iter()
        .map(|contact| {
            let token = app.invite(&survey, Some(contact));
            let invitation = enter(&app.client, &token);
            Link { token, invitation }
        })
        .collect();
    Sut {
        app,
        world: World {
            tag: format!("C{case:04}"),
            designer,
            survey,
            field,
            links,
            last: vec![None; PEOPLE],
            thanks: vec![None; PEOPLE],
            posts: 0,
        },
    }
}

/// Opens a personal link without following it: the browser gets the link's cookie (one client
/// plays every respondent, and its jar holds one link cookie at a time). The invitation id.
fn enter(client: &Client, token: &str) -> String {
    let response = client.get(format!("/r/{token}")).dispatch();
    assert_eq!(response.status(), Status::SeeOther);
    let location = response.headers().get_one("Location").unwrap();
    location.strip_prefix("/r/i/").unwrap().to_string()
}

impl Sut {
    /// The n-th code added in this case. Fixed width, so no code is part of another and the
    /// pool's order (added time, then code) is the order added.
    fn code(&self, n: usize) -> String {
        format!("HK45-{}-{n:04}", self.world.tag)
    }

    /// Asserts that `page` shows the n-th code (or that one is owed, for `None`) and no other.
    fn shows(&self, page: &str, expected: Option<usize>, model: &Model, what: &str) {
        for n in 0..model.added {
            let code = self.code(n);
            assert_eq!(
                page.contains(&code),
                expected == Some(n),
                "{what}: {code} shown wrongly (expected {:?})",
                expected.map(|e| self.code(e))
            );
        }
        if expected.is_none() {
            assert!(page.contains(OWED), "{what}: owed, so says so");
        }
    }

    fn client(&self) -> &Client {
        &self.app.client
    }

    /// Posts `fields` to invitation `i`'s form as its browser would.
    fn post_form(&self, i: usize, fields: &[(String, String)]) -> (Status, Option<String>, String) {
        let link = &self.world.links[i];
        enter(self.client(), &link.token);
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        send(self.client(), &format!("/r/i/{}", link.invitation), &pairs)
    }

    /// What a post should have done: the completing one (and its resend) leads to the same
    /// thank-you page; any other post to a used link is told it was already answered.
    fn check_post(&mut self, i: usize, sent: (Status, Option<String>, String), model: &Model) {
        let expected = model.codes[i].unwrap();
        let (status, location, body) = sent;
        if model.last_completed[i] {
            assert_eq!(status, Status::SeeOther, "{body}");
            let location = location.unwrap();
            let response = location
                .rsplit_once("/thanks/")
                .map(|(_, r)| r.to_string())
                .unwrap();
            match &self.world.thanks[i] {
                // A resend: the same page as the first send, not a new response.
                Some((first, _)) => assert_eq!(first, &location, "a resend leads elsewhere"),
                None => self.world.thanks[i] = Some((location.clone(), response)),
            }
            let page = self.client().get(location).dispatch();
            assert_eq!(page.status(), Status::Ok);
            self.shows(
                &page.into_string().unwrap(),
                expected,
                model,
                "thank-you page",
            );
        } else {
            assert_eq!(status, Status::Ok, "{body}");
            assert!(body.contains(ALREADY), "{body}");
        }
    }

    fn submit(&mut self, i: usize, model: &Model) {
        self.world.posts += 1;
        let answer = format!("answer {} of person {i}", self.world.posts);
        let link = &self.world.links[i];
        let page = follow(self.client(), &format!("/r/{}", link.token));
        assert_eq!(page.status(), Status::Ok);
        let html = page.into_string().unwrap();
        let key = if model.last_completed[i] {
            // Not answered before this step: the form is there.
            hidden_value(&html, "submission").expect("the form's submission key")
        } else {
            assert!(html.contains(ALREADY), "a used link has no form");
            // Posting anyway (an old tab, a crafted request) with a key never used.
            hearken::ids::new_id()
        };
        let fields = vec![
            ("csrf".to_string(), csrf_of(self.client())),
            ("submission".to_string(), key),
            (self.world.field.clone(), answer),
        ];
        let sent = self.post_form(i, &fields);
        self.world.last[i] = Some(fields);
        self.check_post(i, sent, model);
    }

    fn resubmit(&mut self, i: usize, model: &Model) {
        let mut fields = self.world.last[i].clone().unwrap();
        // The same browser's CSRF token; it is only new if a restart replaced the test's
        // browser (the server keeps its key, the local client cannot carry its cookies over).
        fields[0].1 = csrf_of(self.client());
        let sent = self.post_form(i, &fields);
        self.check_post(i, sent, model);
    }

    /// A used link shows the model's code again, or says it is owed; an unused one the form.
    fn reload(&self, i: usize, model: &Model) {
        let page = follow(self.client(), &format!("/r/{}", self.world.links[i].token));
        assert_eq!(page.status(), Status::Ok);
        let html = page.into_string().unwrap();
        match model.codes[i] {
            None => assert!(
                hidden_value(&html, "submission").is_some() && !html.contains(ALREADY),
                "an unused link shows the form"
            ),
            Some(expected) => {
                assert!(html.contains(ALREADY), "person {i}'s link is used");
                self.shows(&html, expected, model, &format!("person {i}'s link"));
            }
        }
    }

    fn add_codes(&self, n: usize, model: &Model) {
        let codes: Vec<String> = (model.added - n..model.added)
            .map(|k| self.code(k))
            .collect();
        let path = format!("/api/v1/surveys/{}/coupons", self.world.survey);
        let (status, added) = post(
            &self.app,
            &self.world.designer,
            &path,
            &json!({ "codes": codes }),
        );
        assert_eq!(status, Status::Ok, "{added}");
        assert_eq!(added["added"].as_u64(), Some(n as u64), "{added}");
        assert_eq!(added["duplicates"].as_u64(), Some(0), "{added}");
    }

    /// Stops the app and starts another on the same data folder and database.
    fn restart(self) -> Sut {
        let figment = self.app.client.rocket().figment().clone();
        let Sut { app, world } = self;
        let TestApp {
            client,
            database,
            dir,
        } = app;
        // The old app's writer and pool go first, as in a real restart.
        drop(client);
        let client = Client::tracked(hearken::build(figment)).expect("the app starts again");
        Sut {
            app: TestApp {
                client,
                database,
                dir,
            },
            world,
        }
    }

    /// The pool as the API lists it: every code with the response holding it, and the counts.
    fn coupons(&self) -> (Vec<Value>, i64, i64) {
        let survey = &self.world.survey;
        let mut items = Vec::new();
        let mut path = format!("/api/v1/surveys/{survey}/coupons?limit=1000");
        loop {
            let (status, page) = get(&self.app, &self.world.designer, &path);
            assert_eq!(status, Status::Ok, "{page}");
            items.extend(page["items"].as_array().unwrap().iter().cloned());
            match page["next"].as_str() {
                Some(next) => {
                    path = format!("/api/v1/surveys/{survey}/coupons?limit=1000&after={next}");
                }
                None => {
                    let count = |name: &str| page[name].as_i64().unwrap();
                    return (items, count("remaining"), count("owed"));
                }
            }
        }
    }
}

impl StateMachineTest for Sut {
    type SystemUnderTest = Sut;
    type Reference = CouponModel;

    fn init_test(_: &Model) -> Sut {
        setup()
    }

    fn apply(mut sut: Sut, model: &Model, step: Step) -> Sut {
        match step {
            Step::Submit(i) => sut.submit(i, model),
            Step::Resubmit(i) => sut.resubmit(i, model),
            Step::Reload(i) => sut.reload(i, model),
            Step::AddCodes(n) => sut.add_codes(n, model),
            Step::Restart => return sut.restart(),
        }
        sut
    }

    fn teardown(sut: Sut, _: Model) {
        // Passed: the next case may use the app.
        SHARED.with(|shared| *shared.borrow_mut() = Some(sut.app));
    }

    fn check_invariants(sut: &Sut, model: &Model) {
        let survey = &sut.world.survey;
        let responses = sut.app.texts(&format!(
            "SELECT id AS value FROM responses WHERE survey_id = '{survey}'"
        ));
        assert_eq!(
            responses.len(),
            model.completed(),
            "one response per completion"
        );
        let mut granted = sut.app.texts(&format!(
            "SELECT invitation_id AS value FROM coupon_grants WHERE survey_id = '{survey}'"
        ));
        granted.sort();
        let mut expected: Vec<String> = (0..PEOPLE)
            .filter(|&i| model.codes[i].is_some())
            .map(|i| sut.world.links[i].invitation.clone())
            .collect();
        expected.sort();
        assert_eq!(granted, expected, "one grant per completed invitation");

        let (items, remaining, owed) = sut.coupons();
        let listed: Vec<&str> = items.iter().map(|c| c["code"].as_str().unwrap()).collect();
        let distinct: HashSet<&str> = listed.iter().copied().collect();
        assert_eq!(distinct.len(), listed.len(), "a code listed twice");
        assert_eq!(listed.len(), model.added, "every code added is listed");
        for item in &items {
            let listed = item["code"].as_str().unwrap();
            let holder = (0..PEOPLE).find(|&i| {
                model.codes[i]
                    .flatten()
                    .is_some_and(|n| sut.code(n) == listed)
            });
            let response = holder.map(|i| sut.world.thanks[i].as_ref().unwrap().1.as_str());
            assert_eq!(
                item["response_id"].as_str(),
                response,
                "{listed} is held by the model's holder"
            );
            assert_eq!(item["issued_at"].is_string(), holder.is_some(), "{item}");
        }
        assert_eq!(remaining, model.free.len() as i64, "remaining");
        assert_eq!(owed, model.owed.len() as i64, "owed");

        for i in (0..PEOPLE).filter(|&i| model.codes[i].is_some()) {
            sut.reload(i, model);
        }
    }
}

fn config() -> Config {
    let mut config = Config {
        // Where a failing case is saved, to be tried first next time.
        source_file: Some(file!()),
        ..Config::default()
    };
    // Steps are whole requests; 24 cases keep the debug run short.
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 24;
    }
    // A failing case is replayed in full for every shrink step; this bounds the wait.
    config.max_shrink_iters = 200;
    config
}

/// The runner by hand rather than `prop_state_machine!`, so the shared app is dropped here:
/// dropped with the thread's locals, its runtime would abort the process.
#[test]
fn coupon_model() {
    let config = config();
    let mut runner = TestRunner::new(config.clone());
    let result = runner.run(
        &CouponModel::sequential_strategy(1..=30),
        |(state, steps, seen)| {
            Sut::test_sequential(config.clone(), state, steps, seen);
            Ok(())
        },
    );
    drop(SHARED.with(|shared| shared.borrow_mut().take()));
    if let Err(failure) = result {
        panic!("{failure}\n{runner}");
    }
}
