//! Rewards for completing a survey: coupons (generated or pooled) and the verifiable prize draw.

pub mod algorithm;
pub mod verify;
