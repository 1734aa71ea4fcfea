//! IKD core: the domain types, wire formats and crypto of the digital KTP.
//!
//! No I/O lives here: the citizen app, the Dukcapil service and any third-party verifier
//! share these types, so a value that exists has already been validated.
#![forbid(unsafe_code)]

pub mod api;
pub mod contact;
pub mod crypto;
pub mod error;
#[cfg(feature = "pdf")]
pub mod export_pdf;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod kk;
pub mod nik;
#[cfg(feature = "openapi")]
mod openapi;
pub mod records;
pub mod region;
#[cfg(feature = "scan")]
pub mod scan;
pub mod secret;
pub mod wire;

pub use contact::{Email, PhoneNumber};
pub use error::{ErrorBody, Lang, UserError};
pub use kk::NomorKk;
pub use nik::{Nik, Sex};
pub use secret::{ActivationCode, Pin};
