//! What respondents see and do: survey pages by personal link or open link, answers checked
//! and kept on error, save and resume, submission, in the survey's language.

pub mod i18n;
