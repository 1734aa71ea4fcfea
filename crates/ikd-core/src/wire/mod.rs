//! IKD wire formats: the issuer credential (one signature per disclosure profile), the
//! device-signed presentation, the HPKE envelope and the two QR texts (`IKD2:` identity,
//! `IKDREG1:` registration).
//!
//! One file per structure. Types are split by protocol step (a [`Credential`] is what the
//! service issues, a [`Fresh`] presentation has passed every check but replay, a
//! [`VerifiedPresentation`] has passed them all), so a step cannot be skipped by accident.

pub(crate) mod base45;
mod cbor;
mod credential;
mod data_export;
mod element;
pub(crate) mod envelope;
mod presentation;
mod profile;
mod registration_qr;
mod replay;
mod signed_profile;
mod verify;

pub use credential::{Credential, CredentialError, claims_from_ktp};
pub use data_export::{MAX_EXPORT_LEN, sign_export, verify_export};
pub use element::{Element, ElementValue};
pub use envelope::{IDENTITY_QR_PREFIX, MAX_QR_TEXT_LEN};
pub use presentation::{Nonce, PresentError, present};
pub use profile::Profile;
pub use registration_qr::{
    REGISTRATION_QR_PREFIX, RegistrationId, RegistrationQr, RegistrationQrError, RegistrationToken,
};
pub use replay::{AsyncReplayCache, MemoryReplayCache, ReplayCache, ReplayCacheFull};
pub use signed_profile::{SignedProfile, ValidityInfo};
pub use verify::{
    CLOCK_SKEW_SECS, Fresh, MAX_AGE_SECS, Stage, VerifiedPresentation, Verifier, VerifyError,
};
