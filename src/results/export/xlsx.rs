//! XLSX: a sheet `Responses` with the export's columns (numbers as numbers, times as dates)
//! and a sheet `Questions`, the codebook. The workbook is written in rust_xlsxwriter's
//! constant-memory mode, row by row to temporary files, then zipped to one temporary file that
//! is streamed to the client: an XLSX is a zip whose directory comes last, so no byte of it can
//! be sent before the last row is written.

use std::io::{Read, Write};

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use super::columns::values_of;
use super::{Cell, Columns, Sink, Stop, each_response};
use crate::db::DbConn;
use crate::error::Error;
use crate::results::segment::Segment;
use crate::survey::model::Survey;

/// Rows a worksheet holds, the header included.
const MAX_ROWS: u32 = 1_048_576;
/// Characters a cell holds.
const MAX_CELL: usize = 32_767;

fn failed(error: rust_xlsxwriter::XlsxError) -> Stop {
    Stop::Failed(Error::internal(error))
}

pub fn write(
    conn: &mut DbConn,
    survey: &Survey,
    segment: &Segment,
    sink: &mut Sink,
) -> Result<(), Stop> {
    let columns = Columns::of(survey.questions(), survey.anonymous());
    let mut workbook = Workbook::new();
    // A million responses make a worksheet of more than 4 GiB before compression, which a
    // plain zip cannot hold: without ZIP64 the writer fails at the end and nothing is sent.
    // Excel, LibreOffice and openpyxl read ZIP64; a small workbook pays 20 bytes for it.
    workbook.use_zip_large_file(true);
    let bold = Format::new().set_bold();
    let when = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let sheet = workbook
        .add_worksheet_with_constant_memory()
        .map_err(failed)?;
    sheet.set_name("Responses").map_err(failed)?;
    for (c, header) in columns.headers().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, cut(header), &bold)
            .map_err(failed)?;
    }
    let questions = survey.questions();
    let mut row = 0u32;
    each_response(conn, survey, segment, |response| {
        row += 1;
        if row >= MAX_ROWS {
            return Err(Stop::Failed(Error::invalid(
                "format",
                "more responses than a worksheet holds; export as CSV instead",
            )));
        }
        for (c, cell) in columns.cells(questions, response).into_iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Empty => {}
                Cell::Text(text) => {
                    sheet.write_string(row, c, cut(&text)).map_err(failed)?;
                }
                Cell::Number(n) => {
                    sheet.write_number(row, c, n).map_err(failed)?;
                }
                Cell::Time(at) => {
                    let at =
                        ExcelDateTime::from_timestamp(at.and_utc().timestamp()).map_err(failed)?;
                    sheet
                        .write_datetime_with_format(row, c, &at, &when)
                        .map_err(failed)?;
                }
            }
        }
        Ok(())
    })?;
    sheet.set_column_width(1, 20).map_err(failed)?;

    let codebook = workbook
        .add_worksheet_with_constant_memory()
        .map_err(failed)?;
    codebook.set_name("Questions").map_err(failed)?;
    for (c, header) in ["column", "question_id", "kind", "prompt", "values"]
        .iter()
        .enumerate()
    {
        codebook
            .write_string_with_format(0, c as u16, *header, &bold)
            .map_err(failed)?;
    }
    for (r, column) in columns.columns.iter().enumerate() {
        let r = r as u32 + 1;
        codebook
            .write_string(r, 0, cut(&column.header))
            .map_err(failed)?;
        if let Some(question) = column.question.and_then(|q| questions.get(q)) {
            codebook.write_string(r, 1, &question.id).map_err(failed)?;
            codebook
                .write_string(r, 2, question.kind.name())
                .map_err(failed)?;
            codebook
                .write_string(r, 3, cut(&question.prompt))
                .map_err(failed)?;
            codebook
                .write_string(r, 4, cut(&values_of(question)))
                .map_err(failed)?;
        }
    }

    let mut file = tempfile::tempfile()?;
    workbook.save_to_writer(&mut file).map_err(failed)?;
    std::io::Seek::rewind(&mut file)?;
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            return Ok(());
        }
        sink.write_all(&buffer[..n])?;
    }
}

/// Text cut to what a cell holds.
fn cut(text: &str) -> &str {
    match text.char_indices().nth(MAX_CELL) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}
