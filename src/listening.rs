//! How the rooms hear of their email: the one [`Listener`] the mail worker is started with. The
//! contact room answers who has opted out and lists refused addresses; the invite room records
//! each invitation's delivery. The mail room itself knows neither.

use chrono::NaiveDateTime;

use crate::contact;
use crate::db::DbConn;
use crate::error::Result;
use crate::invite;
use crate::mail::{Delivery, Listener, Message};

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
