//! The service's one error type. Every refusal has a stable code and a message in Bahasa
//! Indonesia and English; internal failures are logged here and answered with a generic
//! body, so nothing internal (SQL, paths, PII) reaches a client.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ikd_core::api::ApiError;
use ikd_core::{ErrorBody, Lang, UserError};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A domain value that ikd-core refused (NIK, email, phone, PIN, activation code…).
    #[error("invalid input: {}", .0.code)]
    Invalid(ErrorBody),
    #[error("request body is not valid")]
    BadRequest,
    #[error("request body too large")]
    TooLarge,
    /// A registration's secret that does not open it; an unknown id is answered the same,
    /// so ids cannot be probed. The citizen's message is that of an unknown registration.
    #[error("registration secret does not match")]
    RegistrationSecret,
    #[error("request headers beyond the limit")]
    HeadersTooLarge,
    #[error("consent given to terms that are no longer current")]
    ConsentOutdated,
    #[error("NIK not in the registry")]
    NotInRegistry,
    #[error("NIK already active on another device")]
    AlreadyActive,
    #[error("registration not found")]
    RegistrationNotFound,
    #[error("registration in the wrong state for this step")]
    RegistrationState,
    #[error("registration expired")]
    RegistrationExpired,
    /// The officer's decision on this registration is made already.
    #[error("registration already decided")]
    RegistrationDecided,
    /// A newer registration of the same NIK replaced this one.
    #[error("registration superseded by a newer one of the same NIK")]
    RegistrationSuperseded,
    /// The NIK has an approved registration whose activation code is still valid.
    #[error("NIK has an approved registration awaiting activation")]
    AwaitingActivation { until: i64 },
    #[error("selfie could not be read as an image")]
    SelfieUndecodable,
    #[error("selfie too large")]
    SelfieTooLarge,
    #[error("selfie has more pixels than the limit")]
    SelfieTooManyPixels,
    #[error("captcha wrong or expired")]
    Captcha,
    #[error("activation code wrong")]
    CodeWrong { attempts_left: u32 },
    #[error("activation code expired or used up")]
    CodeExpired,
    #[error("PIN wrong")]
    PinWrong {
        attempts_left: u32,
        locked_until: Option<i64>,
    },
    #[error("account locked for a while")]
    Locked { until: i64 },
    #[error("account locked until an officer resets it")]
    LockedHard,
    /// A PIN set through Lupa PIN after a hard lock, not yet usable.
    #[error("new PIN waits until its waiting period ends")]
    PinWaiting {
        until: i64,
        zone: ikd_core::region::TimeZone,
    },
    #[error("PIN reset unknown, expired or used up")]
    PinResetExpired,
    #[error("PIN reset code wrong")]
    PinResetCodeWrong { attempts_left: u32 },
    #[error("PIN reset cancel link no longer valid")]
    PinResetCancelInvalid,
    /// A device change approved remotely, before its waiting period ends.
    #[error("device change waits until its waiting period ends")]
    DeviceChangeWaiting {
        until: i64,
        zone: ikd_core::region::TimeZone,
    },
    /// A contact change from the app within 7 days of a restore from the emailed link.
    #[error("contact changes wait after a restore")]
    ContactChangeAfterRestore {
        until: i64,
        zone: ikd_core::region::TimeZone,
    },
    #[error("device change cancelled")]
    DeviceChangeCancelled,
    #[error("no device change to cancel")]
    DeviceChangeNotFound,
    #[error("no contact change to restore")]
    ContactRestoreNotFound,
    #[error("remote review of a resident with no registry photo")]
    RemoteReviewNeedsPhoto,
    #[error("account closure not confirmed")]
    CloseNotConfirmed,
    #[error("new email and phone are the registered ones")]
    ContactUnchanged,
    #[error("contact change unknown, expired or used up")]
    ContactChangeExpired,
    #[error("contact change code wrong")]
    ContactChangeCodeWrong { attempts_left: u32 },
    #[error("device signature invalid")]
    DeviceSignature,
    #[error("login challenge unknown or expired")]
    Challenge,
    #[error("not signed in")]
    Unauthorized,
    #[error("NIK not activated")]
    NotActivated,
    #[error("officer credentials wrong or account disabled")]
    OfficerLogin,
    #[error("approving a resident with no registry photo without the physical KTP-el check")]
    PhysicalKtpNotChecked,
    #[error("the registry holds no photo of this resident")]
    NoRegistryPhoto,
    #[error("not found")]
    NotFound,
    /// The window's budget is spent for `wait_secs` more, until the next window opens.
    #[error("too many requests")]
    RateLimited { wait_secs: i64 },
    /// Every permit for CPU-bound work stayed taken for `cpu::MAX_WAIT`: nothing of the
    /// request was done (answered with Retry-After). A pool timeout is answered with this
    /// code too, without Retry-After: part of the request may have been done.
    #[error("the service is at capacity")]
    Busy,
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("internal: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn invalid(e: &dyn UserError) -> Self {
        Error::Invalid(e.body())
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        Error::Internal(e.to_string())
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        use Error::*;
        match self {
            Invalid(_)
            | BadRequest
            | SelfieUndecodable
            | PhysicalKtpNotChecked
            | CloseNotConfirmed => StatusCode::UNPROCESSABLE_ENTITY,
            // The code and the captcha are what authenticates an activation.
            Captcha
            | CodeWrong { .. }
            | PinResetCodeWrong { .. }
            | ContactChangeCodeWrong { .. } => StatusCode::UNAUTHORIZED,
            TooLarge | SelfieTooLarge | SelfieTooManyPixels => StatusCode::PAYLOAD_TOO_LARGE,
            HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            // A cancel link that names no waiting reset: used, over, or never issued.
            NotInRegistry
            | RegistrationNotFound
            | NoRegistryPhoto
            | NotFound
            | PinResetCancelInvalid
            | DeviceChangeNotFound
            | ContactRestoreNotFound => StatusCode::NOT_FOUND,
            AlreadyActive
            | RegistrationState
            | ConsentOutdated
            | RegistrationSuperseded
            | RegistrationDecided
            | AwaitingActivation { .. }
            | DeviceChangeCancelled
            | RemoteReviewNeedsPhoto
            // Valid values that meet the account's state: the ones already registered.
            | ContactUnchanged => StatusCode::CONFLICT,
            RegistrationExpired | CodeExpired | PinResetExpired | ContactChangeExpired => {
                StatusCode::GONE
            }
            PinWrong { .. }
            | DeviceSignature
            | Challenge
            | Unauthorized
            | OfficerLogin
            | NotActivated
            | RegistrationSecret => StatusCode::UNAUTHORIZED,
            Locked { .. }
            | LockedHard
            | PinWaiting { .. }
            | DeviceChangeWaiting { .. }
            | ContactChangeAfterRestore { .. } => StatusCode::LOCKED,
            RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Busy => StatusCode::SERVICE_UNAVAILABLE,
            Db(_) | Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// A wait in the unit a person reads: seconds, minutes, or from two hours on, hours
/// (rounded up, so the wait is never shorter than said).
fn fmt_wait(secs: i64, lang: Lang) -> String {
    let mins = (secs + 59) / 60;
    let hours = (secs + 3599) / 3600;
    match lang {
        Lang::Id if secs < 60 => format!("{secs} detik"),
        Lang::Id if mins < 120 => format!("{mins} menit"),
        Lang::Id => format!("{hours} jam"),
        Lang::En if secs == 1 => "1 second".into(),
        Lang::En if secs < 60 => format!("{secs} seconds"),
        Lang::En if mins == 1 => "1 minute".into(),
        Lang::En if mins < 120 => format!("{mins} minutes"),
        Lang::En => format!("{hours} hours"),
    }
}

impl UserError for Error {
    fn code(&self) -> &'static str {
        use Error::*;
        match self {
            Invalid(_) => "INVALID",
            BadRequest => "REQUEST_INVALID",
            TooLarge => "REQUEST_TOO_LARGE",
            HeadersTooLarge => "REQUEST_HEADERS_TOO_LARGE",
            ConsentOutdated => "CONSENT_OUTDATED",
            NotInRegistry => "NIK_NOT_IN_REGISTRY",
            AlreadyActive => "NIK_ACTIVE_ON_ANOTHER_DEVICE",
            RegistrationNotFound | RegistrationSecret => "REGISTRATION_NOT_FOUND",
            RegistrationState => "REGISTRATION_WRONG_STATE",
            RegistrationExpired => "REGISTRATION_EXPIRED",
            RegistrationSuperseded => "REGISTRATION_SUPERSEDED",
            RegistrationDecided => "REGISTRATION_ALREADY_DECIDED",
            AwaitingActivation { .. } => "REGISTRATION_AWAITING_ACTIVATION",
            SelfieUndecodable => "SELFIE_UNDECODABLE",
            SelfieTooLarge => "SELFIE_TOO_LARGE",
            SelfieTooManyPixels => "SELFIE_TOO_MANY_PIXELS",
            Captcha => "CAPTCHA_WRONG",
            CodeWrong { .. } => "ACTIVATION_CODE_WRONG",
            CodeExpired => "ACTIVATION_CODE_EXPIRED",
            PinWrong { .. } => "PIN_WRONG",
            Locked { .. } => "ACCOUNT_LOCKED",
            LockedHard => "ACCOUNT_LOCKED_OFFICER_RESET",
            PinWaiting { .. } => "PIN_RESET_WAITING",
            PinResetExpired => "PIN_RESET_EXPIRED",
            PinResetCodeWrong { .. } => "PIN_RESET_CODE_WRONG",
            PinResetCancelInvalid => "PIN_RESET_CANCEL_INVALID",
            DeviceChangeWaiting { .. } => "DEVICE_CHANGE_WAITING",
            ContactChangeAfterRestore { .. } => "CONTACT_CHANGE_AFTER_RESTORE",
            DeviceChangeCancelled => "DEVICE_CHANGE_CANCELLED",
            DeviceChangeNotFound => "DEVICE_CHANGE_NOT_FOUND",
            ContactRestoreNotFound => "CONTACT_RESTORE_NOT_FOUND",
            RemoteReviewNeedsPhoto => "REMOTE_REVIEW_NEEDS_REGISTRY_PHOTO",
            CloseNotConfirmed => "CLOSE_NOT_CONFIRMED",
            ContactUnchanged => "CONTACT_UNCHANGED",
            ContactChangeExpired => "CONTACT_CHANGE_EXPIRED",
            ContactChangeCodeWrong { .. } => "CONTACT_CHANGE_CODE_WRONG",
            DeviceSignature => "DEVICE_SIGNATURE_INVALID",
            Challenge => "LOGIN_CHALLENGE_INVALID",
            Unauthorized => "UNAUTHORIZED",
            NotActivated => "NIK_NOT_ACTIVATED",
            OfficerLogin => "OFFICER_LOGIN_FAILED",
            PhysicalKtpNotChecked => "PHYSICAL_KTP_NOT_CHECKED",
            NoRegistryPhoto => "REGISTRY_PHOTO_NOT_ON_RECORD",
            NotFound => "NOT_FOUND",
            RateLimited { .. } => "RATE_LIMITED",
            Busy => "SERVICE_BUSY",
            Db(_) | Internal(_) => "INTERNAL",
        }
    }

    fn message(&self, lang: Lang) -> String {
        use Error::*;
        let (id, en): (String, String) = match self {
            Invalid(body) => return body.message(lang).to_owned(),
            BadRequest => ("Permintaan tidak lengkap atau formatnya salah. Perbarui aplikasi lalu coba lagi.".into(),
                "The request is incomplete or malformed. Update the app and try again.".into()),
            TooLarge => ("Data yang dikirim terlalu besar.".into(), "The data sent is too large.".into()),
            HeadersTooLarge => (format!("Header permintaan terlalu banyak atau terlalu besar (maksimal {} kolom, {} KiB). Perbarui aplikasi atau hubungi operator.", crate::app::MAX_HEADERS, crate::app::MAX_HEADER_BYTES / 1024),
                format!("Too many or too large request headers ({} fields, {} KiB at most). Update the app or contact the operator.", crate::app::MAX_HEADERS, crate::app::MAX_HEADER_BYTES / 1024)),
            ConsentOutdated => ("Syarat dan kebijakan privasi telah diperbarui. Perbarui aplikasi, baca versi terbaru, lalu setujui kembali.".into(),
                "The terms and privacy policy have changed. Update the app, read the current version and agree again.".into()),
            NotInRegistry => ("NIK tidak ditemukan di data kependudukan atau belum memiliki KTP-el. Hubungi Dinas Dukcapil setempat.".into(),
                "This NIK is not in the population registry or has no KTP-el yet. Contact your local Dukcapil office.".into()),
            AlreadyActive => ("NIK ini sudah aktif di perangkat lain. Lepas perangkat lama dari aplikasinya, atau minta petugas Dukcapil melepasnya.".into(),
                "This NIK is already active on another device. Release it from that device's app, or ask a Dukcapil officer to release it.".into()),
            RegistrationNotFound | RegistrationSecret => ("Pendaftaran tidak ditemukan. Mulai pendaftaran lagi dari awal.".into(),
                "Registration not found. Start the registration again.".into()),
            RegistrationState => ("Langkah ini tidak sesuai dengan status pendaftaran Anda. Muat ulang status pendaftaran.".into(),
                "This step does not match your registration's status. Reload the registration status.".into()),
            RegistrationExpired => ("Pendaftaran sudah kedaluwarsa. Mulai pendaftaran lagi.".into(),
                "The registration has expired. Start again.".into()),
            RegistrationDecided => ("Pendaftaran ini sudah diputuskan (disetujui atau ditolak). Tidak perlu memindai lagi: warga melihat hasilnya di aplikasinya.".into(),
                "This registration is already decided (approved or rejected). No need to scan again: the citizen sees the outcome in the app.".into()),
            RegistrationSuperseded => ("Pendaftaran ini digantikan oleh pendaftaran yang lebih baru untuk NIK yang sama. Lanjutkan di ponsel yang mendaftar terakhir, atau daftar ulang di ponsel ini.".into(),
                "A newer registration of the same NIK replaced this one. Continue on the phone that registered last, or register again on this phone.".into()),
            AwaitingActivation { until } => {
                let wait = (until - now()).max(1);
                (format!("Pendaftaran NIK ini sudah disetujui petugas dan menunggu aktivasi dengan kode yang dikirim ke email terdaftar. Aktifkan di ponsel yang mendaftar, atau daftar ulang setelah kode itu kedaluwarsa (dalam {}). Bila itu pindah perangkat yang tidak Anda minta, batalkan dari ponsel lama (Batalkan di Beranda) atau lewat tautan di email terdaftar.", fmt_wait(wait, Lang::Id)),
                    format!("This NIK's registration was approved by an officer and awaits activation with the code sent to the registered email. Activate it on the phone that registered, or register again once that code expires (in {}). If it is a device change you did not ask for, cancel it from the old phone (Batalkan on Home) or with the link in the registered email.", fmt_wait(wait, Lang::En)))
            }
            SelfieUndecodable => ("Foto tidak dapat dibaca. Ambil ulang foto (JPEG atau PNG).".into(),
                "The photo could not be read. Take it again (JPEG or PNG).".into()),
            SelfieTooLarge => ("Foto terlalu besar (maksimal 2 MB). Ambil ulang foto.".into(),
                "The photo is too large (2 MB at most). Take it again.".into()),
            SelfieTooManyPixels => ("Resolusi foto terlalu besar (maksimal 8192 piksel per sisi). Ambil ulang foto dengan kamera aplikasi.".into(),
                "The photo's resolution is too high (8192 pixels a side at most). Take it again with the app's camera.".into()),
            Captcha => ("Kode captcha salah atau kedaluwarsa. Muat captcha baru lalu ketik ulang.".into(),
                "The captcha is wrong or expired. Load a new captcha and type it again.".into()),
            CodeWrong { attempts_left } => (format!("Kode aktivasi salah. Sisa percobaan: {attempts_left}."),
                format!("Wrong activation code. Attempts left: {attempts_left}.")),
            CodeExpired => ("Kode aktivasi kedaluwarsa atau sudah terlalu sering salah. Minta petugas memproses ulang pendaftaran Anda.".into(),
                "The activation code expired or was entered wrongly too often. Ask an officer to process your registration again.".into()),
            PinWrong { attempts_left, locked_until: None } => (format!("PIN salah. Sisa percobaan sebelum akun dikunci sementara: {attempts_left}."),
                format!("Wrong PIN. Attempts left before a temporary lock: {attempts_left}.")),
            PinWrong { locked_until: Some(_), .. } => ("PIN salah. Akun dikunci sementara; coba lagi nanti.".into(),
                "Wrong PIN. The account is locked for a while; try again later.".into()),
            Locked { until } => {
                let wait = until - now();
                (format!("Terlalu banyak PIN salah. Coba lagi dalam {}.", fmt_wait(wait.max(1), Lang::Id)),
                    format!("Too many wrong PINs. Try again in {}.", fmt_wait(wait.max(1), Lang::En)))
            }
            LockedHard => (format!("Akun dikunci karena 10 kali PIN salah. Buat PIN baru dengan Lupa PIN di ponsel terdaftar (berlaku setelah {} jam), atau datang ke kantor Dukcapil dengan KTP-el agar petugas membukanya.", crate::pin_reset::WAIT_AFTER_HARD_LOCK_SECS / 3600),
                format!("The account is locked after 10 wrong PINs. Set a new PIN with Lupa PIN on the registered phone (it works after {} hours), or visit a Dukcapil office with your KTP-el to have an officer unlock it.", crate::pin_reset::WAIT_AFTER_HARD_LOCK_SECS / 3600)),
            PinWaiting { until, zone } => (format!("PIN baru Anda berlaku mulai {}. Masa tunggu ini melindungi akun yang dikunci karena 10 kali PIN salah; email ke alamat terdaftar berisi tautan untuk membatalkannya bila bukan Anda.", zone.format(*until)),
                format!("Your new PIN works from {}. This wait protects an account locked by 10 wrong PINs; the email to the registered address has a link to cancel it if this was not you.", zone.format(*until))),
            PinResetExpired => ("Kode reset PIN kedaluwarsa, sudah dipakai, atau terlalu sering salah. Mulai Lupa PIN lagi untuk mendapat kode baru.".into(),
                "The PIN reset code expired, was used, or was entered wrongly too often. Start Lupa PIN again for a new code.".into()),
            PinResetCodeWrong { attempts_left } => (format!("Kode reset PIN salah. Periksa email terbaru dari IKD. Sisa percobaan: {attempts_left}."),
                format!("Wrong PIN reset code. Check the latest email from IKD. Attempts left: {attempts_left}.")),
            PinResetCancelInvalid => ("Tautan pembatalan tidak berlaku lagi: PIN baru sudah berlaku, atau reset sudah dibatalkan. Bila bukan Anda yang mengganti PIN, datang ke kantor Dukcapil dengan KTP-el.".into(),
                "This cancel link no longer works: the new PIN is already in force, or the reset was cancelled. If you did not change the PIN, visit a Dukcapil office with your KTP-el.".into()),
            ContactChangeAfterRestore { until, zone } => (format!("Email dan nomor ponsel akun ini baru dikembalikan lewat tautan di email, jadi perubahan dari aplikasi ditutup hingga {}. Bila perlu mengubahnya sebelum itu, datang ke kantor Dukcapil dengan KTP-el.", zone.format(*until)),
                format!("This account's email and phone were just restored from the emailed link, so changes from the app are closed until {}. To change them sooner, visit a Dukcapil office with your KTP-el.", zone.format(*until))),
            DeviceChangeWaiting { until, zone } => (format!("Pindah perangkat disetujui petugas dan berlaku mulai {}. Masa tunggu ini memberi ponsel lama dan email terdaftar waktu untuk membatalkan bila bukan Anda. Masukkan kode aktivasi setelah waktu itu.", zone.format(*until)),
                format!("The device change is approved and takes effect from {}. The wait gives the old phone and the registered email time to cancel it if this was not you. Enter the activation code after that time.", zone.format(*until))),
            DeviceChangeCancelled => ("Pindah perangkat ini dibatalkan dari ponsel lama atau lewat email terdaftar. Bila Anda pemilik akun, datang ke kantor Dukcapil dengan KTP-el: petugas dapat memindahkan akun di loket.".into(),
                "This device change was cancelled from the old phone or the registered email. If the account is yours, visit a Dukcapil office with your KTP-el: an officer can move it at the counter.".into()),
            ContactRestoreNotFound => ("Tautan ini tidak dapat mengembalikan email dan nomor ponsel: sudah dipakai, lewat 7 hari, tidak dikenal, atau akun sudah diubah atau ditutup sejak itu. Bila akun Anda diubah tanpa izin, datang ke kantor Dukcapil dengan KTP-el.".into(),
                "This link cannot restore the email and phone: it was used, is over 7 days old, is unknown, or the account was changed or closed since. If your account was changed without your consent, visit a Dukcapil office with your KTP-el.".into()),
            DeviceChangeNotFound => ("Tidak ada permintaan pindah perangkat yang dapat dibatalkan: sudah selesai, sudah dibatalkan, atau tautannya tidak berlaku. Bila akun Anda dipindah tanpa izin, datang ke kantor Dukcapil dengan KTP-el.".into(),
                "There is no device change to cancel: it completed, was cancelled, or the link no longer works. If your account was moved without your consent, visit a Dukcapil office with your KTP-el.".into()),
            RemoteReviewNeedsPhoto => ("Warga ini tidak punya foto registri, jadi wajahnya tidak dapat dicocokkan dari jauh. Tolak dengan alasan agar warga datang ke loket membawa KTP-el.".into(),
                "This resident has no registry photo, so the face cannot be compared remotely. Reject, asking the citizen to come to the counter with the KTP-el.".into()),
            CloseNotConfirmed => ("Tandai bahwa Anda sudah membaca apa yang dihapus dan apa yang disimpan, lalu tutup akun.".into(),
                "Tick that you have read what is deleted and what is kept, then close the account.".into()),
            ContactUnchanged => ("Email dan nomor ponsel yang diisi sama dengan yang terdaftar. Ubah salah satunya, lalu kirim lagi.".into(),
                "The email and phone entered are the registered ones. Change one of them, then send again.".into()),
            ContactChangeExpired => ("Kode kedaluwarsa, sudah dipakai, atau terlalu sering salah. Mulai ubah email/nomor ponsel lagi untuk mendapat kode baru.".into(),
                "The code expired, was used, or was entered wrongly too often. Start the email/phone change again for a new code.".into()),
            ContactChangeCodeWrong { attempts_left } => (format!("Kode salah. Periksa email terbaru dari IKD. Sisa percobaan: {attempts_left}."),
                format!("Wrong code. Check the latest email from IKD. Attempts left: {attempts_left}.")),
            DeviceSignature => ("Perangkat ini tidak dikenali untuk akun tersebut. Gunakan perangkat yang didaftarkan, atau daftar ulang.".into(),
                "This device is not recognised for that account. Use the registered device, or register again.".into()),
            Challenge => ("Sesi masuk kedaluwarsa. Coba masuk lagi.".into(), "The sign-in session expired. Try again.".into()),
            Unauthorized => ("Sesi Anda berakhir. Silakan masuk lagi.".into(), "Your session has ended. Please sign in again.".into()),
            NotActivated => ("NIK ini belum aktif di IKD pada perangkat ini. Daftar dulu dengan menekan Daftar.".into(),
                "This NIK is not active in IKD on this device. Register first with Daftar.".into()),
            OfficerLogin => ("Nama pengguna atau kata sandi salah, atau akun petugas dinonaktifkan.".into(),
                "Wrong username or password, or the officer account is disabled.".into()),
            PhysicalKtpNotChecked => ("Foto registri tidak tersedia. Periksa KTP-el fisik warga, centang bahwa sudah diperiksa, lalu setujui.".into(),
                "No registry photo on record. Check the citizen's physical KTP-el, tick that it was checked, then approve.".into()),
            NoRegistryPhoto => ("Foto registri tidak tersedia untuk NIK ini. Bawa KTP-el fisik bila diminta menunjukkan identitas berfoto.".into(),
                "The registry holds no photo for this NIK. Carry the physical KTP-el when a photo ID is asked for.".into()),
            NotFound => ("Data tidak ditemukan.".into(), "Not found.".into()),
            RateLimited { wait_secs } => {
                let wait = (*wait_secs).max(1);
                (format!("Terlalu banyak permintaan. Tunggu {} lalu coba lagi.", fmt_wait(wait, Lang::Id)),
                    format!("Too many requests. Wait {} and try again.", fmt_wait(wait, Lang::En)))
            }
            Busy => ("Layanan sedang sibuk. Coba lagi dalam beberapa detik.".into(),
                "The service is busy. Try again in a few seconds.".into()),
            Db(_) | Internal(_) => ("Terjadi gangguan pada layanan. Coba lagi beberapa saat lagi.".into(),
                "The service had a problem. Try again in a moment.".into()),
        };
        match lang {
            Lang::Id => id,
            Lang::En => en,
        }
    }

    fn body(&self) -> ErrorBody {
        match self {
            Error::Invalid(body) => body.clone(),
            _ => ErrorBody {
                code: self.code().to_owned(),
                message: self.message(Lang::Id),
                message_en: self.message(Lang::En),
            },
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        // A pool with no free connection is load, not a fault: answered busy, but without
        // Retry-After, which promises that nothing was done (the CPU permit's wait comes
        // before any work; a connection may be wanted after some of it committed).
        let (this, work_done) = match self {
            Error::Db(sqlx::Error::PoolTimedOut) => (Error::Busy, true),
            other => (other, false),
        };
        if matches!(this, Error::Db(_) | Error::Internal(_)) {
            // The chain names the failing statement or component, never the request's data.
            tracing::error!(error = %this, "request failed");
        }
        let body = Json(ApiError { error: this.body() });
        // RFC 9110 §10.2.3: delay-seconds, for a busy service and for a spent rate limit.
        let retry = match this {
            Error::Busy if !work_done => Some(crate::cpu::RETRY_AFTER_SECS),
            Error::RateLimited { wait_secs } => Some(u64::try_from(wait_secs.max(1)).unwrap_or(1)),
            _ => None,
        };
        if let Some(retry) = retry {
            let retry = retry.to_string();
            return (
                this.status(),
                [(axum::http::header::RETRY_AFTER, retry)],
                body,
            )
                .into_response();
        }
        (this.status(), body).into_response()
    }
}

pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_is_said_in_the_unit_a_person_reads_and_never_shorter() {
        let said = |secs| (fmt_wait(secs, Lang::Id), fmt_wait(secs, Lang::En));
        assert_eq!(said(1), ("1 detik".into(), "1 second".into()));
        assert_eq!(said(59), ("59 detik".into(), "59 seconds".into()));
        assert_eq!(said(60), ("1 menit".into(), "1 minute".into()));
        assert_eq!(said(61), ("2 menit".into(), "2 minutes".into()));
        assert_eq!(said(7200), ("2 jam".into(), "2 hours".into()));
    }

    #[test]
    fn a_spent_rate_limit_says_when_to_come_back_in_its_header() {
        let res = Error::RateLimited { wait_secs: 90 }.into_response();
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(res.headers()["retry-after"], "90");
    }

    #[test]
    fn only_a_busy_answer_before_any_work_says_retry_after() {
        let permit = Error::Busy.into_response();
        assert_eq!(permit.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(permit.headers()["retry-after"], "2");
        // No connection came free: maybe after part of the request committed.
        let pool = Error::Db(sqlx::Error::PoolTimedOut).into_response();
        assert_eq!(pool.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(pool.headers().get("retry-after").is_none());
    }
}
