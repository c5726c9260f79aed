//! The checks and the status and history rules of a complaint, without a database.

use super::*;
use crate::complaint::fields::Customer;

fn logged(now: DateTime<Utc>) -> Fields {
    Fields {
        customer: Customer {
            name: " Ann Lee ".into(),
            ..Customer::default()
        },
        received_by: "Sam".into(),
        owner_id: None,
        received_at: Some(now),
        channel: None,
        category: "Delivery".into(),
        nature: "Parcel arrived damaged".into(),
        agreed_solution: None,
        solved_on_spot: false,
        promised_at: None,
        steps_taken: None,
        follow_up_at: None,
        followed_up_at: None,
        customer_satisfied: None,
        compensation: None,
        prevention: None,
        resolved_at: None,
        status: None,
        tags: None,
    }
}

#[test]
fn a_new_complaint_is_open_with_a_follow_up_a_month_later() {
    let now = Utc::now();
    let mut fields = logged(now);
    check(&mut fields, None, now.naive_utc()).expect("valid");
    assert_eq!(fields.customer.name, "Ann Lee");
    assert_eq!(fields.status, Some(Status::Open));
    assert_eq!(fields.follow_up_at, Some(now + Duration::days(30)));
    assert_eq!(fields.resolved_at, None);
}

#[test]
fn solved_on_the_spot_is_resolved_when_received() {
    let now = Utc::now();
    let mut fields = logged(now - Duration::hours(2));
    fields.solved_on_spot = true;
    check(&mut fields, None, now.naive_utc()).expect("valid");
    assert_eq!(fields.status, Some(Status::Resolved));
    assert_eq!(fields.resolved_at, fields.received_at);
}

#[test]
fn reopening_clears_the_resolution_and_resolving_sets_it() {
    let now = Utc::now();
    let mut first = logged(now - Duration::hours(5));
    check(&mut first, None, now.naive_utc()).expect("valid");
    let mut resolved = first.clone();
    resolved.status = Some(Status::Resolved);
    check(&mut resolved, Some(&first), now.naive_utc()).expect("valid");
    assert_eq!(resolved.resolved_at, Some(now.naive_utc().and_utc()));
    let mut reopened = resolved.clone();
    reopened.status = Some(Status::Open);
    check(&mut reopened, Some(&resolved), now.naive_utc()).expect("valid");
    assert_eq!(reopened.resolved_at, None);
}

#[test]
fn bad_fields_are_named() {
    let now = Utc::now();
    type Spoil = fn(&mut Fields);
    let cases: [(&str, Spoil); 5] = [
        ("customer.name", |f| f.customer.name = "  ".into()),
        ("customer.email", |f| {
            f.customer.email = Some("not an address".into())
        }),
        ("nature", |f| f.nature = String::new()),
        ("category", |f| f.category = "a\nb".into()),
        ("resolved_at", |f| {
            f.resolved_at = f.received_at.map(|at| at - Duration::hours(1))
        }),
    ];
    for (field, spoil) in cases {
        let mut fields = logged(now);
        spoil(&mut fields);
        match check(&mut fields, None, now.naive_utc()) {
            Err(Error::Invalid { field: named, .. }) => assert_eq!(named, field),
            other => panic!("{field}: {other:?}"),
        }
    }
}

#[test]
fn a_time_sent_back_to_the_minute_is_the_stored_time() {
    let now = Utc::now();
    let received = now - Duration::hours(3) + Duration::milliseconds(27_500);
    let mut before = logged(received);
    check(&mut before, None, now.naive_utc()).expect("valid");
    let mut typed = before.clone();
    let minute = |at: Option<DateTime<Utc>>| {
        at.map(|at| at.trunc_subsecs(0).with_second(0).expect("second 0"))
    };
    typed.received_at = minute(before.received_at);
    typed.follow_up_at = minute(before.follow_up_at);
    check(&mut typed, Some(&before), now.naive_utc()).expect("valid");
    assert!(changes(Some(&before), &typed).is_empty(), "{typed:?}");
    typed.follow_up_at = typed.follow_up_at.map(|at| at + Duration::minutes(1));
    let mut moved = typed.clone();
    check(&mut moved, Some(&before), now.naive_utc()).expect("valid");
    assert_eq!(
        changes(Some(&before), &moved).keys().collect::<Vec<_>>(),
        ["follow_up_at"]
    );
}

#[test]
fn times_outside_sensible_years_are_refused() {
    let now = Utc::now();
    let mut fields = logged(now);
    fields.received_at = Some("1066-10-14T09:00:00Z".parse().expect("time"));
    match check(&mut fields, None, now.naive_utc()) {
        Err(Error::Invalid { field, .. }) => assert_eq!(field, "received_at"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_history_names_each_changed_field_once() {
    let now = Utc::now();
    let mut before = logged(now);
    check(&mut before, None, now.naive_utc()).expect("valid");
    let mut after = before.clone();
    after.customer.phone = Some("+421 900 000 000".into());
    after.steps_taken = Some("Replacement sent".into());
    let changed = changes(Some(&before), &after);
    let keys: Vec<&String> = changed.keys().collect();
    assert_eq!(keys, ["customer.phone", "steps_taken"]);
    assert_eq!(changed["steps_taken"]["from"], Value::Null);
    assert_eq!(changed["steps_taken"]["to"], "Replacement sent");
}
