//! Integration tests: the real application through Rocket's local client, a fresh database per
//! test (an SQLite file in a temporary folder, or a new PostgreSQL database when
//! `HEARKEN_TEST_DATABASE_URL` names a server), and the real binary where the console matters.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod anonymity;
mod anywhere;
mod audience;
mod cli;
mod complaints;
mod contacts;
mod coupon_crash;
mod coupon_model;
mod crash;
mod crash_loop;
mod csrf;
mod data_dir;
mod database;
mod demo;
mod disk_full;
mod email_languages;
mod errors;
mod export_cutoff;
mod exports;
mod focus_groups;
mod harness;
mod headers;
mod incentive_pages;
mod incentives;
mod inputs;
mod invitation_mail;
mod invitations;
mod layout;
mod leases;
mod limits;
mod login;
mod long_surveys;
mod mail;
mod memory;
mod methods;
mod nodes;
mod openapi;
mod operations;
mod page_design;
mod passwords;
mod problems;
mod resilience;
mod respond;
mod responses_browser;
mod result_pages;
mod results;
mod roles;
mod score_results;
mod sessions;
mod setup;
mod smtp;
mod source;
mod staff_edges;
mod staff_language;
mod staff_messages;
mod staff_sweep;
mod strict_input;
mod survey_pages;
mod surveys;
mod themes;
mod tokens;
mod unsubscribe;
mod wording;
mod workspace;

pub use harness::*;
