//! Contacts as stored, the bulk lookups the import needs, and the two person-wide operations of
//! data protection: the subject-access read (which reads the person's invitations, responses
//! and queued mail, because subject access is about the person, not one table) and erasure.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{
    answers, contacts, invitations, outbox, response_drafts, responses, suppressions,
};
use crate::db::{self, DbConn};
use crate::error::{Error, Result};

diesel::define_sql_function! {
    /// SQL `lower()`, so a search matches names case-insensitively on PostgreSQL too.
    fn lower(x: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>;
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = contacts, treat_none_as_null = true)]
pub struct ContactRow {
    pub id: String,
    /// Lower-cased; unique.
    pub email: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub language: Option<String>,
    /// A JSON object of strings.
    pub attributes: String,
    pub opted_out_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<ContactRow>> {
    Ok(contacts::table
        .find(id)
        .select(ContactRow::as_select())
        .first(conn)
        .optional()?)
}

/// The contacts with any of these (lower-cased) emails: one query for a whole import batch.
pub fn find_by_emails(conn: &mut DbConn, emails: &[String]) -> Result<Vec<ContactRow>> {
    if emails.is_empty() {
        return Ok(Vec::new());
    }
    Ok(contacts::table
        .filter(contacts::email.eq_any(emails))
        .select(ContactRow::as_select())
        .load(conn)?)
}

/// Which of these email digests are on the suppression list. Asked a few hundred at a time, so
/// a mailing to every contact stays within the database's limit on bound parameters.
pub fn suppressed_among(
    conn: &mut DbConn,
    digests: &[String],
) -> Result<std::collections::HashSet<String>> {
    let mut listed = std::collections::HashSet::new();
    for chunk in digests.chunks(500) {
        listed.extend(
            suppressions::table
                .filter(suppressions::email_digest.eq_any(chunk))
                .select(suppressions::email_digest)
                .load::<String>(conn)?,
        );
    }
    Ok(listed)
}

pub fn is_suppressed(conn: &mut DbConn, digest: &str) -> Result<bool> {
    Ok(suppressions::table
        .find(digest)
        .select(suppressions::email_digest)
        .first::<String>(conn)
        .optional()?
        .is_some())
}

/// Puts an email digest on the suppression list. Another writer may list the address at the
/// same moment (a second click, a mail client's POST beside the person's, a bounce), so a row
/// already there is no error.
pub fn suppress(conn: &mut DbConn, digest: &str, at: NaiveDateTime) -> Result<()> {
    let entry = (
        suppressions::email_digest.eq(digest),
        suppressions::created_at.eq(at),
    );
    match conn {
        #[cfg(feature = "sqlite")]
        DbConn::Sqlite(c) => diesel::insert_into(suppressions::table)
            .values(entry)
            .on_conflict_do_nothing()
            .execute(c)?,
        #[cfg(feature = "postgres")]
        DbConn::Postgres(c) => diesel::insert_into(suppressions::table)
            .values(entry)
            .on_conflict_do_nothing()
            .execute(c)?,
    };
    Ok(())
}

pub fn insert(conn: &mut DbConn, row: &ContactRow) -> Result<()> {
    diesel::insert_into(contacts::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConn, row: &ContactRow) -> Result<()> {
    diesel::update(contacts::table.find(&row.id))
        .set(row)
        .execute(conn)?;
    Ok(())
}

/// One page of contacts in creation order after the cursor `(created_at, id)`; `q` (already
/// lower-cased) matches part of the email or the name.
pub fn page(
    conn: &mut DbConn,
    q: Option<&str>,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<ContactRow>> {
    let mut query = contacts::table
        .select(ContactRow::as_select())
        .order((contacts::created_at.asc(), contacts::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some(q) = q.filter(|q| !q.is_empty()) {
        let pattern = format!("%{}%", escape_like(q));
        query = query.filter(
            contacts::email
                .like(pattern.clone())
                .escape('\\')
                .or(lower(contacts::name).like(pattern).escape('\\')),
        );
    }
    if let Some((at, id)) = after {
        query = query.filter(
            contacts::created_at
                .gt(at)
                .or(contacts::created_at.eq(at).and(contacts::id.gt(id))),
        );
    }
    Ok(query.load(conn)?)
}

/// `%` and `_` in a search are literal characters, not wildcards.
fn escape_like(q: &str) -> String {
    let mut out = String::with_capacity(q.len());
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// An invitation of the person, as the subject-access export shows it.
#[derive(Debug, Queryable)]
pub struct InvitationOfContact {
    pub id: String,
    pub survey_id: String,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub opened_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
    pub reminders: i32,
    pub last_error: Option<String>,
}

/// A response of the person with its answers (question id → stored JSON text).
#[derive(Debug)]
pub struct ResponseOfContact {
    pub id: String,
    pub survey_id: String,
    pub channel: String,
    pub submitted_at: NaiveDateTime,
    pub answers: Vec<(String, String)>,
}

/// An email queued or sent to the person.
#[derive(Debug, Queryable)]
pub struct MailOfContact {
    pub kind: String,
    pub status: String,
    pub recipient: String,
    pub message_id: String,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
}

/// Everything stored about one contact, for the subject-access export.
#[derive(Debug)]
pub struct Dossier {
    pub contact: ContactRow,
    pub suppressed: bool,
    pub invitations: Vec<InvitationOfContact>,
    pub responses: Vec<ResponseOfContact>,
    pub mail: Vec<MailOfContact>,
    /// Answers saved but not yet submitted: (invitation id, answers as JSON text, saved at).
    pub drafts: Vec<(String, String, NaiveDateTime)>,
}

/// Reads everything stored about the contact `id` in one read; `None` when there is none.
pub fn dossier(conn: &mut DbConn, id: &str) -> Result<Option<Dossier>> {
    let Some(contact) = find(conn, id)? else {
        return Ok(None);
    };
    let suppressed = is_suppressed(conn, &crate::ids::digest(&contact.email))?;
    let invitations = invitations::table
        .filter(invitations::contact_id.eq(id))
        .order((invitations::created_at.asc(), invitations::id.asc()))
        .select((
            invitations::id,
            invitations::survey_id,
            invitations::status,
            invitations::created_at,
            invitations::sent_at,
            invitations::opened_at,
            invitations::completed_at,
            invitations::reminders,
            invitations::last_error,
        ))
        .load::<InvitationOfContact>(conn)?;
    let invitation_ids: Vec<&str> = invitations.iter().map(|i| i.id.as_str()).collect();
    let drafts = response_drafts::table
        .filter(response_drafts::invitation_id.eq_any(&invitation_ids))
        .order(response_drafts::updated_at.asc())
        .select((
            response_drafts::invitation_id,
            response_drafts::answers,
            response_drafts::updated_at,
        ))
        .load::<(String, String, NaiveDateTime)>(conn)?;
    let rows: Vec<(String, String, String, NaiveDateTime)> = responses::table
        .filter(responses::contact_id.eq(id))
        .order((responses::submitted_at.asc(), responses::id.asc()))
        .select((
            responses::id,
            responses::survey_id,
            responses::channel,
            responses::submitted_at,
        ))
        .load(conn)?;
    let mut responses = Vec::with_capacity(rows.len());
    for (response_id, survey_id, channel, submitted_at) in rows {
        let answers = answers::table
            .filter(answers::response_id.eq(&response_id))
            .order(answers::question_id.asc())
            .select((answers::question_id, answers::value))
            .load(conn)?;
        responses.push(ResponseOfContact {
            id: response_id,
            survey_id,
            channel,
            submitted_at,
            answers,
        });
    }
    let mail = outbox::table
        .filter(outbox::contact_id.eq(id))
        .order(outbox::created_at.asc())
        .select((
            outbox::kind,
            outbox::status,
            outbox::recipient,
            outbox::message_id,
            outbox::created_at,
            outbox::sent_at,
            outbox::last_error,
        ))
        .load::<MailOfContact>(conn)?;
    Ok(Some(Dossier {
        contact,
        suppressed,
        invitations,
        responses,
        mail,
        drafts,
    }))
}

/// Erases the contact `id` in one write transaction: their responses keep their answers but
/// lose every link to the person, their invitations lose the contact, their unsent drafts and
/// their mail go, and the contact row goes. Someone who opted out stays suppressed (by digest
/// only). Then, on SQLite, the write-ahead log is emptied so the address is in no file.
pub fn erase(conn: &mut DbConn, id: &str) -> Result<()> {
    db::write(conn, |conn| {
        let contact = find(conn, id)?.ok_or(Error::NotFound)?;
        let invitation_ids: Vec<String> = invitations::table
            .filter(invitations::contact_id.eq(id))
            .select(invitations::id)
            .load(conn)?;
        diesel::update(
            responses::table.filter(
                responses::contact_id
                    .eq(id)
                    .or(responses::invitation_id.eq_any(&invitation_ids)),
            ),
        )
        .set((
            responses::contact_id.eq(None::<String>),
            responses::invitation_id.eq(None::<String>),
        ))
        .execute(conn)?;
        // A draft is a half-typed answer behind the person's own link: not an anonymous answer.
        diesel::delete(
            response_drafts::table.filter(response_drafts::invitation_id.eq_any(&invitation_ids)),
        )
        .execute(conn)?;
        diesel::delete(
            outbox::table.filter(
                outbox::contact_id
                    .eq(id)
                    .or(outbox::invitation_id.eq_any(&invitation_ids))
                    .or(outbox::recipient.eq(&contact.email)),
            ),
        )
        .execute(conn)?;
        // A delivery error can quote the address ("550 <anna@…>: no such user").
        // The personal links die too: someone who asked to be forgotten gets no survey page
        // that still knows them. Each token digest becomes the digest of a fresh secret.
        for invitation in &invitation_ids {
            diesel::update(invitations::table.find(invitation))
                .set((
                    invitations::contact_id.eq(None::<String>),
                    invitations::last_error.eq(None::<String>),
                    invitations::token_hash.eq(crate::ids::digest(&crate::ids::new_secret())),
                ))
                .execute(conn)?;
        }
        diesel::delete(contacts::table.find(id)).execute(conn)?;
        if contact.opted_out_at.is_some() {
            let digest = crate::ids::digest(&contact.email);
            suppress(conn, &digest, contact.opted_out_at.unwrap_or_else(db::now))?;
        }
        Ok::<(), Error>(())
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
