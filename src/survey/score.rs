//! Scoring of scored questionnaires (placeholder until written).
