//! Built-in questionnaires (placeholder until written).
