//! A session's notes after it: Markdown to read and share (notes under their guide item, quotes
//! with who said them) and CSV for analysis. Quotes name a participant only with their consent;
//! otherwise "Participant 3".

use super::GroupView;
use crate::results::export::csv::neutralised;
use crate::web::wording::{counted, minute_of};

/// The notes as Markdown, in guide order, then the notes tied to no guide item.
pub fn markdown(group: &GroupView) -> String {
    let mut out = format!("# {}\n\n", group.title);
    if !group.topic.is_empty() {
        out.push_str(&format!("{}\n\n", group.topic));
    }
    out.push_str(&format!(
        "{} · {} minutes{} · {}\n",
        minute_of(&group.scheduled_at),
        group.duration_minutes,
        group
            .location
            .as_ref()
            .map_or(String::new(), |l| format!(" · {l}")),
        counted(group.participants.len(), "participant", "participants")
    ));
    let sections = group
        .guide
        .iter()
        .enumerate()
        .map(|(i, item)| (Some(i as i32), format!("{}. {item}", i + 1)))
        .chain(std::iter::once((None, "Other notes".to_string())));
    for (item, heading) in sections {
        let notes: Vec<_> = group
            .notes
            .iter()
            .filter(|n| n.guide_item == item)
            .collect();
        if notes.is_empty() {
            continue;
        }
        out.push_str(&format!("\n## {heading}\n\n"));
        for note in notes {
            let tags = if note.tags.is_empty() {
                String::new()
            } else {
                format!(" _({})_", note.tags.join(", "))
            };
            let text = note.text.replace('\n', " ");
            match &note.quoted_as {
                Some(who) if note.kind == "quote" => {
                    out.push_str(&format!("> “{text}” — {who}{tags}\n\n"));
                }
                _ => out.push_str(&format!("- {text}{tags}\n")),
            }
        }
    }
    out
}

/// The notes as CSV rows with a header, in the order taken; cells a spreadsheet would run as
/// formulas are quoted with a leading apostrophe.
pub fn csv(group: &GroupView) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "taken_at",
        "guide_item",
        "guide_text",
        "kind",
        "text",
        "participant",
        "tags",
        "by",
    ])?;
    for note in &group.notes {
        let guide_text = note
            .guide_item
            .and_then(|i| group.guide.get(i as usize))
            .cloned()
            .unwrap_or_default();
        writer.write_record([
            note.created_at.clone(),
            note.guide_item
                .map(|i| (i + 1).to_string())
                .unwrap_or_default(),
            neutralised(&guide_text).into_owned(),
            note.kind.clone(),
            neutralised(&note.text).into_owned(),
            neutralised(note.quoted_as.as_deref().unwrap_or("")).into_owned(),
            neutralised(&note.tags.join(", ")).into_owned(),
            neutralised(&note.by).into_owned(),
        ])?;
    }
    writer.flush()?;
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}
