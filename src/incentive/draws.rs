//! The prize draw: its seed is drawn and its commitment fixed when the survey is published;
//! every completion takes the next ticket with a random receipt in the transaction that stores
//! the response; the draw itself (`hearken-draw-v1`, see [`super::algorithm`]) runs once, in
//! one write transaction that also queues the winners' emails, so a second request, a second
//! node or a crash in between can neither draw again nor tell a winner twice.

use chrono::NaiveDateTime;

use super::Plan;
use super::algorithm;
use super::coupons::Completion;
use super::draw_model::{self, DRAWN, DrawRow, EntryRow, PENDING};
use crate::config::Settings;
use crate::db::{self, DbConn};
use crate::error::{Error, Result};
use crate::i18n;
use crate::mail::{Email, Message, Notice, outbox};
use crate::survey::incentive::LotterySpec;

/// The longest beacon value accepted.
pub const MAX_BEACON: usize = 200;

fn seed_bytes(hex: &str) -> Result<[u8; 32]> {
    algorithm::parse_hex32(hex)
        .ok_or_else(|| Error::Internal("a stored draw seed is not 64 hex digits".into()))
}

/// The draw row of a survey, made now (seed and commitment) if it has none yet. Called at
/// publish; also wherever a draw is needed, so a survey published before it had a prize draw
/// gets one the first time anyone looks, before any entry exists.
pub fn ensure(conn: &mut DbConn, survey_id: &str) -> Result<DrawRow> {
    if let Some(row) = draw_model::draw(conn, survey_id)? {
        return Ok(row);
    }
    let seed = crate::ids::os_random::<32>();
    let row = DrawRow {
        survey_id: survey_id.to_string(),
        seed: algorithm::to_hex(&seed),
        commitment: algorithm::commitment(&seed),
        tickets: 0,
        status: PENDING.to_string(),
        created_at: db::now(),
        drawn_at: None,
        beacon_value: None,
        entrants: None,
        entrants_digest: None,
        winners: None,
    };
    draw_model::insert_draw_if_absent(conn, &row)?;
    draw_model::draw(conn, survey_id)?.ok_or(Error::NotFound)
}

/// Enters a completion in the draw: the next ticket and a fresh receipt, unless the draw has
/// already run (then there is no entry). Runs in the transaction that stores the response.
pub fn enter(conn: &mut DbConn, plan: &Plan, completion: &Completion<'_>) -> Result<()> {
    ensure(conn, &plan.survey_id)?;
    let Some(ticket) = draw_model::next_ticket(conn, &plan.survey_id)? else {
        return Ok(());
    };
    draw_model::insert_entry(
        conn,
        &EntryRow {
            survey_id: plan.survey_id.clone(),
            ticket,
            receipt: crate::ids::hex128(),
            response_id: completion.response_link(plan.anonymous),
            invitation_id: completion.invitation_id.map(str::to_string),
            entered_at: completion.stored_at(plan.anonymous),
        },
    )
}

/// The winning tickets of a drawn row, in the order picked.
pub fn winners_of(row: &DrawRow) -> Vec<i64> {
    row.winners
        .as_deref()
        .and_then(|w| serde_json::from_str(w).ok())
        .unwrap_or_default()
}

/// Why a draw request did not draw.
#[derive(Debug, Clone)]
pub enum NotDrawn {
    /// It had run already; here is how it came out.
    AlreadyDrawn(Box<DrawRow>),
}

/// Runs the draw now, once. Entries committed before this transaction took the draw row are
/// in it; any later completion finds the draw over and gets no ticket.
pub fn run(
    conn: &mut DbConn,
    settings: &Settings,
    plan: &Plan,
    spec: &LotterySpec,
    beacon_value: Option<&str>,
) -> Result<std::result::Result<DrawRow, NotDrawn>> {
    db::write(conn, |conn| {
        ensure(conn, &plan.survey_id)?;
        let mut row = draw_model::lock_draw(conn, &plan.survey_id)?.ok_or(Error::NotFound)?;
        if row.status == DRAWN {
            return Ok(Err(NotDrawn::AlreadyDrawn(Box::new(row))));
        }
        let entries = draw_model::entries(conn, &plan.survey_id, row.tickets)?;
        let seed = seed_bytes(&row.seed)?;
        let beacon = beacon_value.unwrap_or_default();
        let published: Vec<algorithm::Entry> = entries
            .iter()
            .map(|e| algorithm::Entry {
                ticket: u64::try_from(e.ticket).unwrap_or_default(),
                receipt: e.receipt.clone(),
            })
            .collect();
        let wanted = usize::try_from(spec.winners).unwrap_or(usize::MAX);
        let outcome = algorithm::draw(&seed, &plan.survey_id, &published, beacon, wanted);
        let winners: Vec<i64> = outcome
            .winners
            .iter()
            .map(|t| i64::try_from(*t).unwrap_or_default())
            .collect();
        row.status = DRAWN.to_string();
        row.drawn_at = Some(db::now());
        row.beacon_value = beacon_value.map(str::to_string);
        row.entrants = Some(i64::try_from(entries.len()).unwrap_or_default());
        row.entrants_digest = Some(outcome.entrants_digest);
        row.winners = Some(serde_json::to_string(&winners).map_err(Error::internal)?);
        draw_model::finish_draw(conn, &row)?;
        for ticket in &winners {
            if let Some(entry) = entries.iter().find(|e| e.ticket == *ticket) {
                tell_winner(conn, settings, plan, spec, entry)?;
            }
        }
        log::info!(
            "prize draw of survey {} drawn: {} entrants, commitment {}, winners {:?}",
            plan.survey_id,
            entries.len(),
            row.commitment,
            winners
        );
        Ok(Ok(row))
    })
}

/// Queues the email to a winner who came through a personal link, in their language.
fn tell_winner(
    conn: &mut DbConn,
    settings: &Settings,
    plan: &Plan,
    spec: &LotterySpec,
    entry: &EntryRow,
) -> Result<()> {
    let Some(invitation) = &entry.invitation_id else {
        return Ok(());
    };
    let Some(contact_id) = crate::invite::model::contact_of(conn, invitation)? else {
        return Ok(());
    };
    let Some(contact) = crate::contact::model::find(conn, &contact_id)? else {
        return Ok(());
    };
    let t = i18n::catalog(contact.language.as_deref().unwrap_or(&plan.language));
    let ticket = entry.ticket.to_string();
    let notice = Notice {
        language: t.code().to_string(),
        subject: t.format("draw_won_subject", &[("survey", &plan.title)]),
        contact_name: contact.name.clone(),
        paragraphs: vec![
            t.format(
                "draw_won_lead",
                &[("survey", &plan.title), ("prize", spec.prize.trim())],
            ),
            t.format(
                "draw_won_receipt",
                &[("ticket", &ticket), ("receipt", &entry.receipt)],
            ),
        ],
        highlight: Some(format!("#{ticket}")),
        link: Some((
            format!("{}/draws/{}", settings.base_url, plan.survey_id),
            t.get("draw_page_link").to_string(),
        )),
        calendar: None,
    };
    outbox::queue(
        conn,
        settings,
        Email {
            recipient: contact.email,
            contact_id: Some(contact.id),
            link_id: None,
            message: Message::Notice(notice),
        },
    )?;
    Ok(())
}

/// Looks up the plan and lottery of a survey by id (`None`: not a published prize draw).
pub type PlanOf<'a> = &'a dyn Fn(&mut DbConn, &str) -> Result<Option<(Plan, LotterySpec)>>;

/// The draws whose time has come, run by whichever node gets there first (the others find
/// them drawn). Returns how many this call drew.
pub fn run_due(
    conn: &mut DbConn,
    settings: &Settings,
    now: NaiveDateTime,
    plan_of: PlanOf<'_>,
) -> Result<usize> {
    let mut drawn = 0;
    for survey_id in draw_model::pending_draws(conn)? {
        let Some((plan, spec)) = plan_of(conn, &survey_id)? else {
            continue;
        };
        if spec.draw_at.naive_utc() > now {
            continue;
        }
        if run(conn, settings, &plan, &spec, None)?.is_ok() {
            drawn += 1;
        }
    }
    Ok(drawn)
}
