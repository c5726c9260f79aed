//! Respondent-facing strings per language (placeholder until written).
