//! How the rooms hear of each other. The mail worker is started with one [`Listener`]: the
//! contact room answers who has opted out and lists refused addresses; the invite room records
//! each invitation's delivery. The survey room calls [`SurveyHooks`]: the incentive room fixes a
//! prize draw's commitment at publish and adds its hints to the lint. The insight room asks
//! [`Sources`] what an answer or a complaint said, when and in whose voice. Neither the mail
//! room, the survey room nor the insight room knows the rooms it serves.

use chrono::NaiveDateTime;

use crate::contact;
use crate::db::DbConn;
use crate::error::Result;
use crate::insight::{Place, Said, Sources, Target};
use crate::invite;
use crate::mail::{Delivery, Listener, Message};
use crate::survey::audience::Audience;
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

impl Sources for Rooms {
    fn said(&self, conn: &mut DbConn, target: &Target) -> Result<Option<Said>> {
        match target {
            Target::Answer {
                response_id,
                question_id,
            } => {
                let Some(response) = crate::respond::model::find_response(conn, response_id)?
                else {
                    return Ok(None);
                };
                let answers = crate::respond::model::answers_to_questions(
                    conn,
                    std::slice::from_ref(response_id),
                    std::slice::from_ref(question_id),
                )?;
                let Some((_, _, value)) = answers.into_iter().next() else {
                    return Ok(None);
                };
                let text = match serde_json::from_str::<serde_json::Value>(&value) {
                    Ok(serde_json::Value::String(text)) => text,
                    Ok(other) => other.to_string(),
                    Err(_) => value,
                };
                let survey = crate::survey::editing::load(conn, &response.survey_id)?;
                Ok(Some(Said {
                    audience: survey.as_ref().map(|s| s.audience()).unwrap_or_default(),
                    place: survey.map(|s| Place {
                        name: s.title().to_string(),
                        href: format!("/surveys/{}/responses", s.id()),
                    }),
                    survey_id: Some(response.survey_id),
                    at: response.submitted_at,
                    text,
                    quote: false,
                }))
            }
            Target::Complaint(id) => Ok(crate::complaint::model::find(conn, id)?.map(|c| Said {
                survey_id: None,
                audience: Audience::Customers,
                at: c.received_at,
                place: Some(Place {
                    name: c.category,
                    href: format!("/complaints/{}", c.id),
                }),
                text: c.nature,
                quote: false,
            })),
            Target::Note(id) => crate::focus::said_in_note(conn, id),
        }
    }

    fn survey_audience(&self, conn: &mut DbConn, survey_id: &str) -> Result<Audience> {
        Ok(crate::survey::editing::load(conn, survey_id)?
            .map(|s| s.audience())
            .unwrap_or_default())
    }
}
