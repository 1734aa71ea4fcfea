//! Request and response bodies of the Dukcapil service's HTTP API, shared by the service
//! and the app so both sides agree on every field. Domain fields use the validated types,
//! so a malformed NIK or email is refused while the JSON is read.

use serde::{Deserialize, Serialize};

use crate::contact::{Email, PhoneNumber};
use crate::error::{ErrorBody, Lang};
use crate::nik::Nik;
use crate::records::{KartuKeluarga, Ktp, LinkedDocument, Photo};
use crate::secret::{ActivationCode, Pin};
use crate::wire::Profile;

/// Every error response: `{"error": {"code", "message", "message_en"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    pub error: ErrorBody,
}

/// Step 4 of the flow: the data entry screen (Isi data).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StartRegistration {
    pub nik: Nik,
    pub email: Email,
    pub phone: PhoneNumber,
    /// Version of the terms the citizen consented to.
    pub consent_version: String,
    /// The device key made for this registration: SEC1 uncompressed P-256, base64url.
    pub device_public_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RegistrationState {
    /// Waiting for the selfie.
    AwaitingSelfie,
    /// Selfie accepted; the citizen shows the QR and waits for the officer.
    AwaitingOfficer,
    /// The officer approved; the activation code has been emailed.
    Approved,
    /// The officer rejected, with a reason.
    Rejected,
    /// Activated: the device key is bound.
    Activated,
    /// Abandoned or past its time limit.
    Expired,
    /// A newer registration of the same NIK replaced this one before an officer approved
    /// it: a NIK has at most one open registration.
    Superseded,
    /// A device change cancelled from the phone it would replace, or from the link emailed
    /// to the registered address.
    Cancelled,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegistrationStarted {
    pub registration_id: String,
    /// Bearer secret for this registration's next steps (selfie, status); kept by the app.
    pub secret: String,
    pub state: RegistrationState,
    /// Unix seconds after which the registration must be started again.
    pub expires_at: i64,
    /// The NIK is active on another phone: this registration moves the account here (Ganti
    /// perangkat). An officer may review it remotely, without the QR; the move then
    /// completes after [`DEVICE_CHANGE_WAIT_SECS`], and the other phone can cancel it.
    #[serde(default)]
    pub device_change: bool,
}

/// How long a device change approved remotely waits before the new phone can activate
/// (seconds): the phone it replaces, and the registered email, can cancel it until then.
pub const DEVICE_CHANGE_WAIT_SECS: i64 = 24 * 3600;

/// The result of one automatic selfie check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SelfieCheck {
    /// `decodes`, `dimensions`, `exposure`, `sharpness`, `one_face`.
    pub check: String,
    pub passed: bool,
    /// What the citizen can do when it failed, in their language.
    pub advice: Option<String>,
}

impl SelfieCheck {
    /// What the check looked at, in the reader's language, for the citizen's and the
    /// officer's lists of checks (a check this build does not know keeps its id).
    pub fn label(&self, lang: Lang) -> &str {
        let (id, en) = match self.check.as_str() {
            "decodes" => ("Gambar terbaca", "The picture decodes"),
            "dimensions" => ("Ukuran gambar cukup", "Large enough"),
            "exposure" => ("Pencahayaan cukup", "Well lit"),
            "sharpness" => ("Gambar tajam", "Sharp"),
            "one_face" => ("Tepat satu wajah", "Exactly one face"),
            other => return other,
        };
        match lang {
            Lang::Id => id,
            Lang::En => en,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SelfieResult {
    pub accepted: bool,
    pub checks: Vec<SelfieCheck>,
    /// Present when accepted: the text of the registration QR (`IKDREG1:…`).
    pub registration_qr: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegistrationStatus {
    pub state: RegistrationState,
    /// The officer's reason when rejected.
    pub reason: Option<String>,
    /// `b•••@contoh.co.id` once the code has been emailed.
    pub email_masked: Option<String>,
    /// This registration moves an active account to this phone.
    #[serde(default)]
    pub device_change: bool,
    /// For an approved device change: unix seconds from which the code activates.
    #[serde(default)]
    pub completes_at: Option<i64>,
}

/// Step 8: Aktifkan.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Activate {
    pub registration_id: String,
    pub code: ActivationCode,
    pub captcha_id: String,
    pub captcha_answer: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Captcha {
    pub captcha_id: String,
    /// PNG, base64.
    pub image_png: String,
    pub expires_at: i64,
}

/// A fresh issuer credential for the signed-in device.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CredentialView {
    /// CBOR, base64url.
    pub credential: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Activated {
    /// Short-lived token allowing exactly one action: setting the first PIN.
    pub setup_token: String,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetPin {
    pub setup_token: String,
    pub pin: Pin,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginChallenge {
    pub challenge_id: String,
    /// Random bytes (base64url) the device key signs.
    pub challenge: String,
    pub expires_at: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Login {
    pub nik: Nik,
    pub pin: Pin,
    pub challenge_id: String,
    /// ES256 signature (raw r||s, base64url) by the device key over the challenge bytes.
    pub device_signature: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Session {
    pub token: String,
    pub expires_at: i64,
    /// The issuer credential (CBOR, base64url) for offline QR presentation (service part 2).
    pub credential: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangePin {
    pub old_pin: Pin,
    pub new_pin: Pin,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LockoutInfo {
    pub attempts_left: u32,
    /// Unix seconds until which login is refused; `None` when locked until an officer resets.
    pub locked_until: Option<i64>,
    pub locked_by_officer_only: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KtpView {
    pub ktp: Ktp,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KkView {
    pub kk: KartuKeluarga,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Documents {
    pub documents: Vec<LinkedDocument>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    Login,
    LoginFailed,
    /// Signed out from the phone (Keluar).
    Logout,
    PinChanged,
    /// A new PIN set through Lupa PIN (device signature and emailed code).
    PinReset,
    /// A Lupa PIN that waited after a hard lock was cancelled from the email's link.
    PinResetCancelled,
    DeviceReleased,
    Activated,
    Verified,
    /// The account moved to a new phone (Ganti perangkat).
    DeviceChanged,
    /// A device change was cancelled from this phone or the email's link.
    DeviceChangeCancelled,
    /// The registered email or phone was changed.
    ContactChanged,
    /// A contact change was undone from the link mailed to the address it replaced.
    ContactRestored,
    /// The resident downloaded Data saya.
    DataExported,
}

impl ActivityKind {
    /// What happened, as Riwayat and the Data saya PDF name it.
    pub fn label(&self, lang: Lang) -> &'static str {
        let (id, en) = match self {
            ActivityKind::Login => ("Masuk", "Signed in"),
            ActivityKind::LoginFailed => ("PIN salah", "Wrong PIN"),
            ActivityKind::Logout => ("Keluar", "Signed out"),
            ActivityKind::PinChanged => ("PIN diubah", "PIN changed"),
            ActivityKind::PinReset => ("PIN baru lewat Lupa PIN", "New PIN through Lupa PIN"),
            ActivityKind::PinResetCancelled => ("Reset PIN dibatalkan", "PIN reset cancelled"),
            ActivityKind::DeviceReleased => ("Perangkat dilepas", "Device released"),
            ActivityKind::Activated => ("Aktivasi", "Activated"),
            ActivityKind::Verified => ("KTP Digital diperiksa", "Digital KTP checked"),
            ActivityKind::DeviceChanged => ("Pindah ke ponsel baru", "Moved to a new phone"),
            ActivityKind::DeviceChangeCancelled => {
                ("Pindah perangkat dibatalkan", "Device change cancelled")
            }
            ActivityKind::ContactChanged => ("Email/nomor ponsel diubah", "Email/phone changed"),
            ActivityKind::ContactRestored => {
                ("Email/nomor ponsel dikembalikan", "Email/phone restored")
            }
            ActivityKind::DataExported => ("Data saya diunduh", "My data downloaded"),
        };
        match lang {
            Lang::Id => id,
            Lang::En => en,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Activity {
    pub at: i64,
    pub kind: ActivityKind,
    /// Who verified (for `verified`), or the device, or the officer.
    pub actor: Option<String>,
    pub profile: Option<Profile>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityLog {
    pub entries: Vec<Activity>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VerifyQr {
    pub qr: String,
}

/// The verifier's answer: the disclosed fields, or the failure in words and code.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyResult {
    pub valid: bool,
    pub profile: Option<Profile>,
    /// Element id → value, only for the chosen profile.
    pub fields: Vec<(String, String)>,
    /// The registry photo matching the disclosed portrait digest (online verification);
    /// present only when [`VerifyResult::portrait`] is [`PortraitCheck::Matches`].
    pub photo: Option<Photo>,
    /// What the service found when it compared the disclosed portrait digest with the
    /// registry photo (`not_checked` for a refused QR).
    #[serde(default)]
    pub portrait: PortraitCheck,
    pub error: Option<ErrorBody>,
    /// The check that failed (`encoding`, `decryption`, … `replay`).
    pub failed_stage: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OfficerLogin {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfficerSession {
    pub token: String,
    pub expires_at: i64,
}

/// The registration QR as scanned (`IKDREG1:…`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ScanRegistration {
    pub qr: String,
}

/// What the officer sees after scanning: both photos, the checks and the registry data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegistrationReview {
    pub registration_id: String,
    pub ktp: Ktp,
    pub email_masked: String,
    pub phone_masked: String,
    /// The citizen's selfie (JPEG or PNG).
    pub selfie: Photo,
    /// The registry photo (JPEG or PNG); `None` when the registry holds no photo of this
    /// resident: the officer then checks the physical KTP-el and says so in the decision.
    pub registry_photo: Option<Photo>,
    pub checks: Vec<SelfieCheck>,
    pub created_at: i64,
    /// The NIK is active on another phone: approving moves the account to this one (at once
    /// at the counter, after [`DEVICE_CHANGE_WAIT_SECS`] when reviewed remotely).
    #[serde(default)]
    pub device_change: bool,
}

/// One device change waiting in the remote review queue, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RemoteReviewItem {
    pub registration_id: String,
    /// The resident's name from the registry.
    pub nama: String,
    /// Unix seconds when the selfie was accepted.
    pub created_at: i64,
}

/// The remote review queue: device changes with a selfie, waiting for an officer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RemoteReviews {
    pub items: Vec<RemoteReviewItem>,
    /// How many wait in all (`items` holds the oldest 50).
    pub total: i64,
}

/// An officer's remote decision on a device change (no QR: the registration id names it).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RemoteDecision {
    pub approve: bool,
    /// Required when rejecting: shown to the citizen.
    pub reason: Option<String>,
}

/// What the phone holding the account sees of a device change (Ganti perangkat).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceChangeStatus {
    pub pending: Option<DeviceChangePending>,
}

/// A device change under way for the signed-in account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceChangePending {
    /// Unix seconds when the new phone started it.
    pub requested_at: i64,
    /// Unix seconds from which the new phone can activate; `None` while an officer has not
    /// approved it yet.
    pub completes_at: Option<i64>,
}

/// Approve or reject; the QR is presented again so the decision is tied to the scan.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OfficerDecision {
    pub qr: String,
    pub approve: bool,
    /// Required when rejecting: shown to the citizen.
    pub reason: Option<String>,
    /// The officer has checked the physical KTP-el. Required to approve a resident with no
    /// registry photo (`PHYSICAL_KTP_NOT_CHECKED` otherwise); recorded in the audit log.
    #[serde(default)]
    pub physical_ktp_checked: bool,
}

/// The registry photo behind a verified QR's portrait digest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PortraitCheck {
    /// The registry photo is the one the credential binds; it is in `photo`.
    Matches,
    /// The credential says the registry holds no photo of this person, and it holds none:
    /// the verifier checks identity another way (the physical KTP-el).
    NotOnRecord,
    /// The registry photo was replaced (or first recorded) after the credential was issued:
    /// no photo is shown; the holder gets a new credential at the next sign-in.
    Changed,
    /// The QR was refused before the photo was looked at.
    #[default]
    NotChecked,
}

/// Context prefix of what the device key signs at login (domain separation).
pub const LOGIN_SIGNING_CONTEXT: &[u8] = b"IKD login v1\0";

/// Context prefix of what the device key signs to start Lupa PIN: a login signature cannot
/// be replayed to start a reset, nor the other way round.
pub const PIN_RESET_SIGNING_CONTEXT: &[u8] = b"IKD pin reset v1\0";

/// Lupa PIN, step 1: the phone that holds the device key signs a challenge from
/// `POST /login/challenge` (prefixed with [`PIN_RESET_SIGNING_CONTEXT`]); a 6-digit code
/// then goes to the registered email.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PinResetStart {
    pub nik: Nik,
    pub challenge_id: String,
    /// ES256 signature (raw r||s, base64url) by the device key.
    pub device_signature: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PinResetStarted {
    /// Names this reset in step 2; only the phone that signed holds it.
    pub reset_token: String,
    /// Where the code went: `b•••@contoh.co.id`.
    pub email_masked: String,
    /// Unix seconds; the code is valid until then (15 minutes).
    pub expires_at: i64,
}

/// Lupa PIN, step 2: the emailed code with a captcha, and the new PIN (the same rules as
/// the first PIN).
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PinResetFinish {
    pub reset_token: String,
    pub code: ActivationCode,
    pub captcha_id: String,
    pub captcha_answer: String,
    pub new_pin: Pin,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PinResetDone {
    /// Unix seconds from which the new PIN signs in: now, or after the waiting period
    /// when the account was locked after 10 wrong PINs.
    pub usable_from: i64,
    /// True when the new PIN waits (the hard-lock case); the email says how to cancel.
    pub waiting: bool,
}

/// Context prefix of what the device key signs to change the registered email or phone
/// (domain separation from login and Lupa PIN).
pub const CONTACT_CHANGE_SIGNING_CONTEXT: &[u8] = b"IKD contact change v1\0";

/// Ubah email / nomor ponsel, step 1 (signed in): the new email and/or phone (one left out
/// keeps the registered one), the PIN, and a fresh challenge signed by the device key under
/// [`CONTACT_CHANGE_SIGNING_CONTEXT`]. Not `Serialize`, as the PIN is not: the app sends its
/// own body of borrowed strings.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactChangeStart {
    /// The new email; absent keeps the registered one.
    #[serde(default)]
    pub email: Option<Email>,
    /// The new phone; absent keeps the registered one.
    #[serde(default)]
    pub phone: Option<PhoneNumber>,
    pub pin: Pin,
    pub challenge_id: String,
    /// ES256 signature (raw r||s, base64url) by the device key.
    pub device_signature: String,
}

/// Where the 6-digit code went: the new email, or the registered one when only the phone
/// changes (the service sends no SMS).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactChangeStarted {
    /// `b•••@contoh.co.id`.
    pub sent_to_masked: String,
    /// Unix seconds; the code is valid until then (15 minutes).
    pub expires_at: i64,
}

/// Step 2: the code from that email.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ContactChangeFinish {
    pub code: ActivationCode,
}

/// The registered contact, masked (Pengaturan shows it; the change's answer too).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactView {
    pub email_masked: String,
    pub phone_masked: String,
}

/// Data saya (UU PDP): everything the service holds about the signed-in resident.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MyData {
    /// Unix seconds when this was put together.
    pub generated_at: i64,
    /// The registry record (the state's, kept if the IKD account is closed).
    pub ktp: Ktp,
    pub kk: Option<KartuKeluarga>,
    pub documents: Vec<LinkedDocument>,
    /// Whether the registry holds a photo of the resident (the photo itself is at
    /// `/me/photo`).
    pub registry_photo_on_record: bool,
    pub account: MyAccount,
    /// Every registration of the NIK, with the consent each was made under.
    pub registrations: Vec<MyRegistration>,
    /// Riwayat, newest first: at most the newest 5 000 entries.
    pub activity: Vec<Activity>,
    /// Riwayat entries held in all; more than `activity` holds when it was cut at 5 000.
    /// Absent from exports made before it was added.
    #[serde(default)]
    pub activity_total: i64,
    /// Officers' and the resident's own actions about this NIK, from the audit log.
    pub audit: Vec<MyAuditEntry>,
}

/// The IKD account.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MyAccount {
    pub email: String,
    pub phone: String,
    pub activated_at: i64,
    /// SHA-256 of the bound device key (SEC1), hex: which phone, without the key itself.
    pub device_key_sha256: Option<String>,
    pub pin_set: bool,
    /// Unix seconds until which wrong PINs lock the account, if they do now.
    pub locked_until: Option<i64>,
    /// Locked after 10 wrong PINs.
    pub locked_hard: bool,
    /// Credentials issued to the phone (each lasts a day), and when the newest was.
    pub credentials_issued: i64,
    pub last_credential_at: Option<i64>,
}

/// One registration of the NIK.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MyRegistration {
    pub registration_id: String,
    pub state: RegistrationState,
    pub email: String,
    pub phone: String,
    /// The version of the terms consented to (Persetujuan).
    pub consent_version: String,
    pub created_at: i64,
    pub device_change: bool,
    /// The officer who decided, and when.
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub reason: Option<String>,
}

/// One audit-log entry about the resident.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MyAuditEntry {
    pub at: i64,
    /// The officer's username, or `warga` for the resident.
    pub actor: String,
    pub action: String,
}

/// The download: the data, and the same data signed by the issuer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DataExport {
    pub data: MyData,
    /// COSE_Sign1 (ES256, the issuer's key, external data `IKD data export v1`; base64url)
    /// whose payload is `data` as JSON: checkable against `/.well-known/ikd-keys`. `data` is
    /// a readable copy; a checker reads the data from the verified payload
    /// (`ikd_core::wire::verify_export`).
    pub cose_sign1: String,
}

/// Tutup akun IKD: the PIN, and the resident's confirmation that they read what is deleted
/// and what is kept. Not `Serialize`, as the PIN is not.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CloseAccount {
    pub pin: Pin,
    /// Must be true.
    pub confirm: bool,
}

/// Cancels a Lupa PIN that is waiting, with the token from the email's link.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PinResetCancel {
    pub cancel_token: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_selfie_check_the_service_runs_has_a_label_in_both_languages() {
        for id in ["decodes", "dimensions", "exposure", "sharpness", "one_face"] {
            let check = SelfieCheck {
                check: id.into(),
                passed: true,
                advice: None,
            };
            assert_ne!(check.label(Lang::Id), id);
            assert_ne!(check.label(Lang::En), id);
            assert_ne!(check.label(Lang::Id), check.label(Lang::En));
        }
        let new = SelfieCheck {
            check: "glasses".into(),
            passed: true,
            advice: None,
        };
        assert_eq!(new.label(Lang::Id), "glasses");
    }
}
