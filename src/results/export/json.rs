//! JSON: one array of the response objects `GET …/responses` serves, written one object at a
//! time.

use std::io::Write;

use serde_json::{Value, json};

use super::{Sink, Stop, each_response};
use crate::db::DbConn;
use crate::results::segment::Segment;
use crate::survey::model::Survey;

pub fn write(
    conn: &mut DbConn,
    survey: &Survey,
    segment: &Segment,
    sink: &mut Sink,
) -> Result<(), Stop> {
    sink.write_all(b"[")?;
    let mut first = true;
    each_response(conn, survey, segment, |row| {
        let mut object = json!({
            "id": row.id,
            "submitted_at": crate::web::rfc3339(row.submitted_at),
            "answers": row.answers,
        });
        if let Some(contact) = row.contact_id {
            object["contact_id"] = json!(contact);
        }
        if let Some(score) = row
            .score
            .and_then(|s| serde_json::from_str::<Value>(s).ok())
        {
            object["score"] = score;
        }
        if !first {
            sink.write_all(b",\n")?;
        }
        first = false;
        serde_json::to_writer(&mut *sink, &object).map_err(|e| Stop::from(std::io::Error::from(e)))
    })?;
    sink.write_all(b"]\n")?;
    Ok(())
}
