//! Quality hints for a questionnaire (placeholder until written).
