//! How the rooms hear of each other. The mail worker is started with one [`Listener`]: the
//! contact room answers who has opted out and lists refused addresses; the invite room records
//! each invitation's delivery. The survey room calls [`SurveyHooks`]: the incentive room fixes a
//! prize draw's commitment at publish and adds its hints to the lint. Neither the mail room nor
//! the survey room knows the rooms it serves.

use chrono::NaiveDateTime;

use crate::contact;
use crate::db::DbConn;
use crate::error::Result;
use crate::invite;
use crate::mail::{Delivery, Listener, Message};
use crate::survey::hooks::SurveyHooks;
use crate::survey::lint::Hint;
use crate::survey::model::Survey;

pub struct Rooms;

impl Listener for Rooms {
    fn opted_out(
        &self,
        conn: &mut DbConn,
        recipient: &str,
        contact_id: Option<&str>,
    ) -> Result<bool> {
        contact::model::opted_out(conn, recipient, contact_id)
    }

    fn address_refused(&self, conn: &mut DbConn, recipient: &str, at: NaiveDateTime) -> Result<()> {
        contact::model::suppress(conn, &contact::model::address_digest(recipient), at)
    }

    fn delivered(&self, conn: &mut DbConn, delivery: &Delivery<'_>) -> Result<()> {
        let Some(invitation) = delivery.link_id else {
            return Ok(());
        };
        let reminder = delivery.kind == Message::REMINDER;
        invite::model::record_delivery(conn, invitation, reminder, delivery.result, delivery.at)
    }
}

impl SurveyHooks for Rooms {
    fn publishing(&self, conn: &mut DbConn, survey: &Survey) -> Result<()> {
        crate::incentive::on_publish(conn, survey)
    }

    fn hints(&self, conn: &mut DbConn, survey: &Survey) -> Result<Vec<Hint>> {
        let invitations = invite::model::count_of_survey(conn, survey.id())?;
        crate::incentive::lint::hints(conn, survey, invitations)
    }
}
