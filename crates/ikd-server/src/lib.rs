//! The Dukcapil service of IKD: population registry, registration with officer approval,
//! activation, PIN sign-in and the citizen's data, over HTTP (axum), on SQLite by default
//! or PostgreSQL.
#![forbid(unsafe_code)]

pub mod app;
pub mod captcha;
pub mod clock;
pub mod config;
pub mod contact_change;
pub mod cpu;
pub mod db;
pub mod device_change;
pub mod error;
pub mod import;
pub mod keys;
pub mod limits;
pub mod mail;
pub mod metrics;
pub mod my_data;
pub mod notices;
pub mod openapi;
pub mod pin_reset;
pub mod proxy;
pub mod raw_limits;
pub mod registry;
pub mod routes;
pub mod security;
pub mod seed;
pub mod selfie;
pub mod sweep;
pub mod tls;
pub mod verifications;

pub use app::{AppState, Running, serve, shutdown_signal, spawn};
pub use config::Config;
