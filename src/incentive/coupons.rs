//! Coupons: every completion of a coupon survey gets a grant in the transaction that stores
//! the response, and the grant a code: a new one (generate mode) or the pool's oldest free one.
//! A pool that has run dry leaves the grant owed; codes added later go to the owed grants
//! oldest first, and personal-link respondents get theirs by email. The survey's owner gets one
//! email when the pool runs low.

use chrono::{DateTime, NaiveDateTime, Utc};

use super::Plan;
use super::model::{self, CouponRow, GrantRow};
use crate::config::Settings;
use crate::db::{self, DbConn};
use crate::error::{Error, Result};
use crate::i18n;
use crate::mail::{Email, Message, Notice, outbox};
use crate::survey::incentive::{CouponMode, CouponSpec};

/// Characters of randomness in a generated code (60 bits), after the designer's prefix.
const CODE_CHARS: usize = 12;
/// Owed grants served per batch when codes arrive.
const SERVE_BATCH: i64 = 500;

/// Where a completion came from, as the coupon and the draw need it.
pub struct Completion<'a> {
    pub response_id: &'a str,
    pub invitation_id: Option<&'a str>,
    pub contact_id: Option<&'a str>,
    pub at: NaiveDateTime,
}

impl Completion<'_> {
    /// The response a reward row may name: none on an anonymous survey answered through a
    /// personal link, where the reward keeps the invitation instead (to show it again and to
    /// email it) and so must not also keep the response.
    pub fn response_link(&self, anonymous: bool) -> Option<String> {
        (!anonymous || self.invitation_id.is_none()).then(|| self.response_id.to_string())
    }

    /// When the reward was made, as stored: the day only on anonymous surveys, like the
    /// invitation's completion time, so times cannot be matched with the response's.
    pub fn stored_at(&self, anonymous: bool) -> NaiveDateTime {
        stored_time(anonymous, self.at)
    }
}

/// `at` as a reward row keeps it: the day only on anonymous surveys.
fn stored_time(anonymous: bool, at: NaiveDateTime) -> NaiveDateTime {
    if anonymous { db::day_of(at) } else { at }
}

/// Makes the grant of a completion and gives it a code if there is one. Runs inside the
/// transaction (the writer's savepoint) that stores the response.
pub fn grant(
    conn: &mut DbConn,
    settings: &Settings,
    plan: &Plan,
    spec: &CouponSpec,
    completion: &Completion<'_>,
) -> Result<()> {
    let grant = GrantRow {
        // Appended at the end of the grants' index rather than written to a random page of
        // it; an anonymous survey's grant takes a random id, as its time must not be kept.
        id: if plan.anonymous {
            crate::ids::new_id()
        } else {
            crate::ids::new_time_ordered_id()
        },
        survey_id: plan.survey_id.clone(),
        response_id: completion.response_link(plan.anonymous),
        invitation_id: completion.invitation_id.map(str::to_string),
        owed_since: completion.stored_at(plan.anonymous),
    };
    model::insert_grant(conn, &grant)?;
    let code = match spec.mode {
        CouponMode::Generate => Some(generate(conn, plan, spec, &grant, completion.at)?),
        CouponMode::Pool => take_from_pool(conn, settings, plan, spec, &grant.id, completion.at)?,
    };
    if let (Some(code), Some(contact_id)) = (code, completion.contact_id) {
        email_code(conn, settings, plan, spec, contact_id, &code)?;
    }
    Ok(())
}

fn generate(
    conn: &mut DbConn,
    plan: &Plan,
    spec: &CouponSpec,
    grant: &GrantRow,
    at: NaiveDateTime,
) -> Result<String> {
    let code = format!(
        "{}{}",
        spec.prefix.as_deref().unwrap_or_default(),
        crate::ids::crockford::<CODE_CHARS>()
    );
    model::insert_coupon(
        conn,
        &CouponRow {
            code: code.clone(),
            survey_id: plan.survey_id.clone(),
            added_at: at,
            grant_id: Some(grant.id.clone()),
            issued_at: Some(grant.owed_since),
            redeemed_at: None,
        },
    )?;
    Ok(code)
}

/// The pool's oldest free code for `grant_id`, or `None` (owed) when the pool is empty; sends
/// the low-stock email when this code brings the pool down to its threshold.
fn take_from_pool(
    conn: &mut DbConn,
    settings: &Settings,
    plan: &Plan,
    spec: &CouponSpec,
    grant_id: &str,
    at: NaiveDateTime,
) -> Result<Option<String>> {
    let Some(stock) = model::stock_take_one(conn, &plan.survey_id)? else {
        return Ok(None);
    };
    let issued_at = stored_time(plan.anonymous, at);
    let Some(code) = model::take_free_code(conn, &plan.survey_id, grant_id, issued_at)? else {
        // The count said a code was free and none was: the count is wrong, and trusting it
        // would hand out nothing while promising something. Refuse; the response rolls back.
        return Err(Error::Internal(
            format!(
                "the coupon count of survey {} is ahead of its codes",
                plan.survey_id
            )
            .into(),
        ));
    };
    warn_if_low(conn, settings, plan, spec, &stock)?;
    Ok(Some(code))
}

/// The remaining count at which the owner is warned: as set, else a tenth of the codes added.
fn threshold(spec: &CouponSpec, added: i64) -> i64 {
    spec.low_stock_at.map_or(added / 10, i64::from)
}

/// Sends the one low-stock email when `stock` (the counts after a code was taken) is down to
/// the threshold.
fn warn_if_low(
    conn: &mut DbConn,
    settings: &Settings,
    plan: &Plan,
    spec: &CouponSpec,
    stock: &model::StockRow,
) -> Result<()> {
    if stock.low_stock_sent_at.is_some() || stock.remaining > threshold(spec, stock.added) {
        return Ok(());
    }
    model::set_low_stock_sent(conn, &plan.survey_id, Some(db::now()))?;
    let Some(owner) = crate::auth::model::find_user(conn, &plan.owner_id)? else {
        return Ok(());
    };
    // Written in the owner's staff language; English when they chose none.
    let language = i18n::staff::resolve(owner.language.as_deref(), None);
    let t = i18n::catalog(language);
    let remaining = stock.remaining.to_string();
    let notice = Notice {
        language: language.into(),
        subject: t.format("coupon_low_subject", &[("survey", &plan.title)]),
        contact_name: Some(owner.name.clone()),
        paragraphs: vec![t.plural(
            "coupon_low_body",
            u64::try_from(stock.remaining).unwrap_or_default(),
            &[("survey", &plan.title), ("remaining", &remaining)],
        )],
        highlight: None,
        link: Some((
            format!("{}/surveys/{}/incentive", settings.base_url, plan.survey_id),
            t.get("coupon_low_link").to_string(),
        )),
        calendar: None,
    };
    outbox::queue(
        conn,
        settings,
        Email {
            recipient: owner.email,
            contact_id: None,
            link_id: None,
            message: Message::Notice(notice),
        },
    )?;
    Ok(())
}

/// Queues the email that gives a personal-link respondent their code, in their language.
fn email_code(
    conn: &mut DbConn,
    settings: &Settings,
    plan: &Plan,
    spec: &CouponSpec,
    contact_id: &str,
    code: &str,
) -> Result<()> {
    let Some(contact) = crate::contact::model::find(conn, contact_id)? else {
        return Ok(());
    };
    let language = contact.language.as_deref().unwrap_or(&plan.language);
    let t = i18n::catalog(language);
    let mut paragraphs = vec![t.format("coupon_email_lead", &[("survey", &plan.title)])];
    paragraphs.push(value_line(t, spec));
    let notice = Notice {
        language: t.code().to_string(),
        subject: t.format("coupon_email_subject", &[("survey", &plan.title)]),
        contact_name: contact.name.clone(),
        paragraphs,
        highlight: Some(code.to_string()),
        link: None,
        calendar: None,
    };
    let email = Email {
        recipient: contact.email,
        contact_id: Some(contact.id),
        link_id: None,
        message: Message::Notice(notice),
    };
    if plan.anonymous {
        // Sent a random 1 to 20 minutes later, and dated by the day only, so the email's times
        // cannot be matched with the anonymous response's.
        let delay = 60 + u64::from(u16::from_le_bytes(crate::ids::os_random::<2>())) % 1140;
        outbox::queue_unmatchable(conn, settings, email, std::time::Duration::from_secs(delay))?;
    } else {
        outbox::queue(conn, settings, email)?;
    }
    Ok(())
}

/// "Your coupon is worth 10 % off (valid until …)" in `t`'s language.
pub fn value_line(t: &i18n::Catalog, spec: &CouponSpec) -> String {
    match spec.expires_at {
        Some(expires) => t.format(
            "coupon_value_until",
            &[
                ("value", spec.value.trim()),
                ("date", &expires.format("%Y-%m-%d").to_string()),
            ],
        ),
        None => t.format("coupon_value", &[("value", spec.value.trim())]),
    }
}

/// What an upload did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Added {
    pub added: usize,
    pub duplicates: usize,
    /// Owed grants that got a code from this upload.
    pub served: usize,
}

/// The longest code a pool takes.
pub const MAX_CODE: usize = 64;
/// Codes one upload may hold.
pub const MAX_CODES: usize = 100_000;

/// Checks one uploaded code: 1 to 64 printable ASCII characters without spaces.
pub fn check_code(field: &str, code: &str) -> Result<String> {
    let code = code.trim();
    if code.is_empty() || code.len() > MAX_CODE || !code.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::invalid(
            field,
            format!("a code is 1 to {MAX_CODE} letters, digits or signs, without spaces"),
        ));
    }
    Ok(code.to_string())
}

/// Adds codes to a pool and serves the owed grants from them, oldest first, in one write
/// transaction. Codes that exist already (here or in another survey) are counted and skipped.
pub fn add_codes(
    conn: &mut DbConn,
    settings: &Settings,
    plan: &Plan,
    spec: &CouponSpec,
    codes: Vec<String>,
) -> Result<Added> {
    let given = codes.len();
    let now = db::now();
    let mut unique = codes;
    unique.sort();
    unique.dedup();
    let rows: Vec<CouponRow> = unique
        .into_iter()
        .map(|code| CouponRow {
            code,
            survey_id: plan.survey_id.clone(),
            added_at: now,
            grant_id: None,
            issued_at: None,
            redeemed_at: None,
        })
        .collect();
    db::write(conn, |conn| {
        let added = model::insert_codes(conn, &rows)?;
        model::stock_added(
            conn,
            &plan.survey_id,
            i64::try_from(added).unwrap_or(i64::MAX),
        )?;
        if let Some(stock) = model::stock(conn, &plan.survey_id)?
            && stock.low_stock_sent_at.is_some()
            && stock.remaining > threshold(spec, stock.added)
        {
            // Refilled above the threshold: the next time it runs low is worth an email again.
            model::set_low_stock_sent(conn, &plan.survey_id, None)?;
        }
        let served = serve_owed(conn, settings, plan, spec, now)?;
        Ok(Added {
            added,
            duplicates: given - added,
            served,
        })
    })
}

/// Gives free codes to owed grants, oldest first, while both last; emails personal-link
/// respondents their code.
fn serve_owed(
    conn: &mut DbConn,
    settings: &Settings,
    plan: &Plan,
    spec: &CouponSpec,
    now: NaiveDateTime,
) -> Result<usize> {
    let mut served = 0;
    loop {
        let owed = model::owed_grants(conn, &plan.survey_id, SERVE_BATCH)?;
        if owed.is_empty() {
            return Ok(served);
        }
        for grant in &owed {
            let Some(code) = take_from_pool(conn, settings, plan, spec, &grant.id, now)? else {
                return Ok(served);
            };
            served += 1;
            let contact = match &grant.invitation_id {
                Some(invitation) => crate::invite::model::contact_of(conn, invitation)?,
                None => None,
            };
            if let Some(contact_id) = contact {
                email_code(conn, settings, plan, spec, &contact_id, &code)?;
            }
        }
    }
}

/// What redeeming a code did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redeemed {
    pub code: String,
    pub value: String,
    pub redeemed_at: NaiveDateTime,
}

/// Why a code cannot be redeemed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotRedeemed {
    /// No issued code of a survey the user may change has this text.
    Unknown,
    AlreadyRedeemed(NaiveDateTime),
    Expired(DateTime<Utc>),
}

/// Redeems an issued code once. `may_use` tells whether the user may act on the survey.
pub fn redeem(
    conn: &mut DbConn,
    code: &str,
    may_use: &dyn Fn(&mut DbConn, &str) -> Result<Option<CouponSpec>>,
) -> Result<std::result::Result<Redeemed, NotRedeemed>> {
    db::write(conn, |conn| {
        let Some(row) = model::coupon(conn, code)? else {
            return Ok(Err(NotRedeemed::Unknown));
        };
        if row.grant_id.is_none() {
            return Ok(Err(NotRedeemed::Unknown));
        }
        let Some(spec) = may_use(conn, &row.survey_id)? else {
            return Ok(Err(NotRedeemed::Unknown));
        };
        if let Some(at) = row.redeemed_at {
            return Ok(Err(NotRedeemed::AlreadyRedeemed(at)));
        }
        let now = db::now();
        if let Some(expires) = spec.expires_at
            && expires.naive_utc() < now
        {
            return Ok(Err(NotRedeemed::Expired(expires)));
        }
        if !model::redeem(conn, code, now)? {
            return Ok(Err(NotRedeemed::AlreadyRedeemed(now)));
        }
        Ok(Ok(Redeemed {
            code: row.code,
            value: spec.value,
            redeemed_at: now,
        }))
    })
}
