//! The one integration-test binary of ikd-server.
#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure

mod cli;
mod contact_change;
mod crash;
mod device_change;
mod flow;
mod helpers;
mod limits;
mod my_data;
mod operations;
mod photos;
mod pin_reset;
mod races;
mod refusals;
mod smtp;
mod tls;
mod verification;
