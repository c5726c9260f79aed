//! Exports of every response of a survey (or a segment), oldest first, as CSV, XLSX or JSON,
//! streamed from the database to the socket: a producer thread reads responses a page at a
//! time and writes them into a bounded channel of chunks that the response body drains, so
//! memory stays flat whatever the survey's size, and a client that goes away stops the reading.

mod body;
mod columns;
pub mod csv;
mod json;
mod xlsx;

use std::collections::HashMap;
use std::io::{self, Write};

use rocket::http::{ContentType, Header};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use rocket::tokio::sync::mpsc;
use serde_json::{Map, Value};

use self::body::{Body, Piece};
pub use self::columns::{Cell, Columns, ExportRow};
use super::counting::{admitted, matching_contacts, window};
use super::segment::Segment;
use crate::db::{Db, DbConn};
use crate::error::{Error, Result};
use crate::respond::model as responses;
use crate::survey::model::Survey;
use crate::web::unfinished;

/// Responses read per step.
const PAGE: i64 = 1000;
/// Bytes per chunk sent to the client.
const CHUNK: usize = 64 * 1024;
/// Chunks that may wait for a slow client before the reading pauses.
const QUEUE: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Json,
}

impl Format {
    pub fn parse(text: &str) -> Result<Format> {
        match text {
            "csv" => Ok(Format::Csv),
            "xlsx" => Ok(Format::Xlsx),
            "json" => Ok(Format::Json),
            _ => Err(Error::invalid("format", "must be csv, xlsx or json")),
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Json => "json",
        }
    }

    fn content_type(self) -> ContentType {
        match self {
            Format::Csv => ContentType::new("text", "csv").with_params(("charset", "utf-8")),
            Format::Xlsx => ContentType::new(
                "application",
                "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            Format::Json => ContentType::JSON,
        }
    }
}

/// A download being streamed: its name, type and body.
pub struct Download {
    file_name: String,
    format: Format,
    body: Body,
    /// The id under which the response is unfinished until the producer has written it all.
    unfinished: String,
}

impl<'r> Responder<'r, 'r> for Download {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'r> {
        Response::build()
            .header(self.format.content_type())
            .header(Header::new(
                "Content-Disposition",
                format!("attachment; filename=\"{}\"", self.file_name),
            ))
            .header(Header::new("Cache-Control", "no-store"))
            .header(Header::new(unfinished::HEADER, self.unfinished))
            .streamed_body(self.body)
            .ok()
    }
}

/// Starts streaming the export of `survey` (already checked visible to the caller).
pub fn start(db: Db, survey: Survey, segment: Segment, format: Format) -> Result<Download> {
    let (sender, chunks) = mpsc::channel(QUEUE);
    let file_name = format!("hearken-{}.{}", survey.id(), format.extension());
    let unfinished = unfinished::begin();
    let producing = unfinished.clone();
    std::thread::Builder::new()
        .name("hearken-export".into())
        .spawn(move || {
            let mut sink = Sink {
                sender,
                buffer: Vec::with_capacity(CHUNK),
                unfinished: producing,
            };
            let outcome = db
                .conn()
                .map(|mut conn| write(&mut conn, &survey, &segment, format, &mut sink));
            let outcome = match outcome {
                Ok(written) => written,
                Err(e) => Err(Stop::Failed(e)),
            };
            let outcome = outcome.and_then(|()| sink.finish().map_err(Stop::from));
            // Without the end mark (and with the response still registered as unfinished)
            // the client's download is cut off instead of ending as if it were whole.
            if let Err(Stop::Failed(e)) = outcome {
                log::error!(
                    "the export of survey {} stopped: {}",
                    survey.id(),
                    e.chain()
                );
            }
        })
        .map_err(Error::internal)?;
    Ok(Download {
        file_name,
        format,
        body: Body::new(chunks),
        unfinished,
    })
}

/// Why an export stopped before its end.
pub enum Stop {
    /// The client went away; nothing to report.
    ClientLeft,
    Failed(Error),
}

impl From<Error> for Stop {
    fn from(error: Error) -> Self {
        Stop::Failed(error)
    }
}

impl From<io::Error> for Stop {
    fn from(error: io::Error) -> Self {
        if error.kind() == io::ErrorKind::BrokenPipe {
            Stop::ClientLeft
        } else {
            Stop::Failed(Error::internal(error))
        }
    }
}

fn write(
    conn: &mut DbConn,
    survey: &Survey,
    segment: &Segment,
    format: Format,
    sink: &mut Sink,
) -> std::result::Result<(), Stop> {
    match format {
        Format::Csv => csv::write(conn, survey, segment, sink),
        Format::Json => json::write(conn, survey, segment, sink),
        Format::Xlsx => xlsx::write(conn, survey, segment, sink),
    }
}

/// Where an export writes: bytes gathered into chunks and handed to the response body; a
/// closed body (the client left) is a broken pipe, which stops the export.
pub struct Sink {
    sender: mpsc::Sender<Piece>,
    buffer: Vec<u8>,
    unfinished: String,
}

impl Sink {
    /// Sends what is left and marks the end: the export is whole.
    fn finish(&mut self) -> io::Result<()> {
        self.flush()?;
        unfinished::finish(&self.unfinished);
        self.send(Piece::End)
    }

    fn send(&mut self, piece: Piece) -> io::Result<()> {
        self.sender
            .blocking_send(piece)
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK {
            self.flush()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK));
        self.send(Piece::Bytes(chunk))
    }
}

/// Calls `each` with every response of the segment, oldest first, a page at a time.
pub fn each_response(
    conn: &mut DbConn,
    survey: &Survey,
    segment: &Segment,
    mut each: impl FnMut(&ExportRow<'_>) -> std::result::Result<(), Stop>,
) -> std::result::Result<(), Stop> {
    let contacts = matching_contacts(conn, survey, segment)?;
    let window = window(segment);
    let mut cursor = None;
    loop {
        let rows = responses::window_page(conn, survey.id(), &window, cursor.take(), false, PAGE)?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        cursor = Some((last.submitted_at, last.id.clone()));
        let rows: Vec<_> = rows
            .into_iter()
            .filter(|r| admitted(&contacts, r.contact_id.as_deref()))
            .collect();
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let mut answers: HashMap<String, Map<String, Value>> = HashMap::new();
        for (response_id, question_id, value) in responses::answers_of(conn, &ids)? {
            let value = responses::parse_json(&value)?;
            answers
                .entry(response_id)
                .or_default()
                .insert(question_id, value);
        }
        let emails = if survey.anonymous() {
            HashMap::new()
        } else {
            let contact_ids: Vec<String> =
                rows.iter().filter_map(|r| r.contact_id.clone()).collect();
            crate::contact::model::emails_of(conn, &contact_ids)?
        };
        let empty = Map::new();
        for row in &rows {
            let email = row
                .contact_id
                .as_ref()
                .filter(|_| !survey.anonymous())
                .and_then(|c| emails.get(c))
                .map(String::as_str);
            each(&ExportRow {
                id: &row.id,
                submitted_at: row.submitted_at,
                channel: &row.channel,
                email,
                contact_id: row.contact_id.as_deref().filter(|_| !survey.anonymous()),
                score: row.score.as_deref(),
                answers: answers.get(&row.id).unwrap_or(&empty),
            })?;
        }
    }
}
