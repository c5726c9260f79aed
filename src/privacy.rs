//! Data protection across the rooms: the subject-access read and erasure of one contact. Each
//! room is asked for what it holds about the person and told to forget it; erasure is one
//! write transaction over all of them. A room that stores personal data adds itself here (a
//! test reads the schema and fails on a table with personal data nobody covers).

use chrono::NaiveDateTime;

use crate::contact::model::{self as contacts, ContactRow};
use crate::db::{self, DbConn};
use crate::error::{Error, Result};
use crate::invite::model::{self as invitations, InvitationOfContact};
use crate::mail::outbox::{self, OutboxRow};
use crate::respond::model::{self as responses, ResponseOfContact};

/// Everything stored about one contact, for the subject-access export.
#[derive(Debug)]
pub struct Dossier {
    pub contact: ContactRow,
    pub suppressed: bool,
    pub invitations: Vec<InvitationOfContact>,
    pub responses: Vec<ResponseOfContact>,
    pub mail: Vec<OutboxRow>,
    /// Answers saved but not yet submitted: (invitation id, answers as JSON text, saved at).
    pub drafts: Vec<(String, String, NaiveDateTime)>,
    /// The complaints that name the person (linked, or with their email), with their history,
    /// as the complaint API shows them.
    pub complaints: Vec<serde_json::Value>,
    /// The focus groups the person took part in, with the consent they gave.
    pub focus_groups: Vec<serde_json::Value>,
}

/// Reads everything stored about the contact `id`; `None` when there is none.
pub fn dossier(conn: &mut DbConn, id: &str) -> Result<Option<Dossier>> {
    let Some(contact) = contacts::find(conn, id)? else {
        return Ok(None);
    };
    let suppressed = contacts::is_suppressed(conn, &crate::ids::digest(&contact.email))?;
    let invitations = invitations::of_contact(conn, id)?;
    let invitation_ids: Vec<String> = invitations.iter().map(|i| i.id.clone()).collect();
    let complaints = crate::complaint::of_contact(conn, id, &contact.email)?;
    let focus_groups = crate::focus::of_contact(conn, id, &contact.email)?;
    Ok(Some(Dossier {
        focus_groups,
        complaints,
        suppressed,
        drafts: responses::drafts_of(conn, &invitation_ids)?,
        responses: responses::of_contact(conn, id)?,
        mail: outbox::of_contact(conn, id)?,
        invitations,
        contact,
    }))
}

/// Erases the contact `id` in one write transaction: their responses keep their answers but
/// lose every link to the person, their invitations lose the contact and their links, their
/// unsent drafts and their mail go, and the contact row goes. Someone who opted out stays
/// suppressed (by digest only). Then, on SQLite, the write-ahead log is emptied so the address
/// is in no file.
pub fn erase(conn: &mut DbConn, id: &str) -> Result<()> {
    db::write(conn, |conn| {
        let contact = contacts::find(conn, id)?.ok_or(Error::NotFound)?;
        let invitation_ids = invitations::ids_of_contact(conn, id)?;
        responses::forget_contact(conn, id, &invitation_ids)?;
        outbox::forget(conn, id, &invitation_ids, &contact.email)?;
        invitations::forget_contact(conn, &invitation_ids)?;
        crate::complaint::model::forget_customer(conn, id, &contact.email, db::now())?;
        crate::focus::model::forget_contact(conn, id, &contact.email)?;
        crate::focus::model::forget_volunteer(conn, id)?;
        contacts::delete(conn, &contact)
    })?;
    checkpoint(conn);
    Ok(())
}

/// Copies the write-ahead log into the database and empties it, so erased rows (already zeroed
/// in the database by `secure_delete`) leave no copy in the log. A reader holding an old
/// snapshot can stop a checkpoint half-way, so it is tried a few times; a failure is logged, not
/// fatal: the periodic checkpointer finishes the job shortly.
#[cfg_attr(not(feature = "sqlite"), allow(unused_variables))]
fn checkpoint(conn: &mut DbConn) {
    #[cfg(feature = "sqlite")]
    if let Some(sqlite) = conn.as_sqlite() {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct Outcome {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            busy: i32,
        }
        for attempt in 0..20 {
            match diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)").load::<Outcome>(sqlite) {
                Ok(rows) if rows.iter().all(|r| r.busy == 0) => return,
                Ok(_) => {}
                Err(e) => log::warn!("checkpoint after an erasure failed: {e}"),
            }
            std::thread::sleep(std::time::Duration::from_millis(10 * (attempt + 1)));
        }
        log::warn!("the checkpoint after an erasure stayed busy; the periodic one will finish it");
    }
}
