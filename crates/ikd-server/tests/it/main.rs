//! The one integration-test binary of ikd-server.

mod cli;
