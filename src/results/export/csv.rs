//! CSV as spreadsheets and R read it: RFC 4180, UTF-8 with a byte-order mark (so Excel does not
//! guess another encoding), CRLF line ends, and every cell that a spreadsheet would take for a
//! formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) neutralised with a
//! leading `'`.

use super::{Cell, Columns, Sink, Stop, each_response};
use crate::db::DbConn;
use crate::results::segment::Segment;
use crate::survey::model::Survey;

const BOM: &[u8] = b"\xEF\xBB\xBF";

pub fn write(
    conn: &mut DbConn,
    survey: &Survey,
    segment: &Segment,
    sink: &mut Sink,
) -> Result<(), Stop> {
    use std::io::Write;
    sink.write_all(BOM)?;
    let columns = Columns::of(survey.questions(), survey.anonymous());
    let mut out = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(sink);
    out.write_record(columns.headers().map(|h| neutralised(h).into_owned()))
        .map_err(csv_stop)?;
    let questions = survey.questions();
    let mut record: Vec<String> = Vec::with_capacity(columns.columns.len());
    each_response(conn, survey, segment, |row| {
        record.clear();
        record.extend(columns.cells(questions, row).into_iter().map(text));
        out.write_record(&record).map_err(csv_stop)
    })?;
    out.flush()?;
    Ok(())
}

fn csv_stop(error: ::csv::Error) -> Stop {
    match error.into_kind() {
        ::csv::ErrorKind::Io(e) => Stop::from(e),
        other => Stop::Failed(crate::error::Error::Internal(format!("{other:?}").into())),
    }
}

/// A cell as CSV text.
pub fn text(cell: Cell) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(text) => neutralised(&text).into_owned(),
        Cell::Number(n) => number(n),
        Cell::Time(at) => crate::web::rfc3339(at),
    }
}

/// A number without a needless `.0` (a rating of 4 is `4`).
pub fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// Text that no spreadsheet will run as a formula.
pub fn neutralised(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_numbers_plain() {
        for live in ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralised(live).starts_with('\''), "{live:?}");
        }
        assert_eq!(neutralised("Zoë Kovačič"), "Zoë Kovačič");
        assert_eq!(number(4.0), "4");
        assert_eq!(number(4.25), "4.25");
    }
}
