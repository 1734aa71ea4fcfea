//! Outgoing mail through lettre: SMTP when `--smtp-url` is given (`smtp://host:port` for a
//! local relay, `smtps://` or `smtp://…?tls=required` for TLS), else `.eml` files in the
//! outbox folder of the data directory (the embedded default). Both are lettre transports
//! behind one type, so the message is built by the same code either way.

use std::path::PathBuf;

use ikd_core::{ActivationCode, Email};
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::error::{Error, Result};

/// Longest an SMTP exchange may take; below the mail queue's claim
/// ([`crate::notices::CLAIM_SECS`]), so a notice being sent is not sent twice.
pub const SMTP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

const FROM: &str = "IKD Dukcapil <no-reply@ikd.dukcapil.local>";

#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::Smtp(_) => f.write_str("Mailer::Smtp"),
            Mailer::Outbox(_, dir) => write!(f, "Mailer::Outbox({})", dir.display()),
        }
    }
}

impl Mailer {
    pub fn new(smtp_url: Option<&str>, outbox: PathBuf) -> Result<Self> {
        match smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| Error::internal(format!("SMTP URL: {e}")))?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build();
                Ok(Mailer::Smtp(transport))
            }
            None => {
                std::fs::create_dir_all(&outbox)
                    .map_err(|e| Error::internal(format!("outbox folder: {e}")))?;
                Ok(Mailer::Outbox(AsyncFileTransport::new(&outbox), outbox))
            }
        }
    }

    /// The activation email: the code, how long it is valid, and what to do if unexpected.
    pub async fn send_activation_code(&self, to: &Email, code: &ActivationCode) -> Result<()> {
        let body = format!(
            "Yth. Bapak/Ibu,\n\n\
             Pendaftaran Identitas Kependudukan Digital (IKD) Anda telah disetujui petugas Dukcapil.\n\n\
             Kode aktivasi: {code}\n\n\
             Masukkan kode ini di aplikasi IKD bersama captcha yang tampil, lalu tekan Aktifkan.\n\
             Kode berlaku 24 jam dan hanya sekali pakai. Jangan berikan kode ini kepada siapa pun,\n\
             termasuk petugas. Bila Anda menerima lebih dari satu kode, hanya yang terbaru berlaku.\n\
             Jika Anda tidak mendaftar IKD, abaikan email ini.\n\n\
             ---\n\n\
             Your Digital Population Identity (IKD) registration has been approved.\n\
             Activation code: {code}\n\
             Enter it in the IKD app with the captcha shown, then tap Aktifkan. The code is valid\n\
             for 24 hours, once. Never share it, not even with an officer. If you received more\n\
             than one code, only the latest is valid.\n",
            code = code.expose()
        );
        self.deliver(to, "Kode aktivasi IKD / IKD activation code", body)
            .await
    }

    /// The Lupa PIN email: the 6-digit code for setting a new PIN from the phone.
    pub async fn send_pin_reset_code(&self, to: &Email, code: &ActivationCode) -> Result<()> {
        let body = format!(
            "Yth. Bapak/Ibu,\n\n\
             Ada permintaan Lupa PIN untuk akun IKD Anda dari ponsel yang terdaftar.\n\n\
             Kode reset PIN: {code}\n\n\
             Masukkan kode ini di aplikasi IKD bersama captcha, lalu buat PIN baru.\n\
             Kode berlaku 15 menit dan hanya sekali pakai. Jangan berikan kode ini kepada siapa pun,\n\
             termasuk petugas. Jika Anda tidak meminta reset PIN, abaikan email ini: PIN Anda tidak\n\
             berubah tanpa kode ini.\n\n\
             ---\n\n\
             Someone asked to reset the PIN of your IKD account from your registered phone.\n\
             PIN reset code: {code}\n\
             Enter it in the IKD app with the captcha, then choose a new PIN. The code is valid for\n\
             15 minutes, once. Never share it, not even with an officer. If you did not ask for this,\n\
             ignore this email: your PIN does not change without this code.\n",
            code = code.expose()
        );
        self.deliver(to, "Kode reset PIN IKD / IKD PIN reset code", body)
            .await
    }

    /// The email/phone change's code, to the new address (or the registered one when only
    /// the phone changes).
    pub async fn send_contact_change_code(&self, to: &Email, code: &ActivationCode) -> Result<()> {
        let body = format!(
            "Yth. Bapak/Ibu,\n\n\
             Ada permintaan mengubah email atau nomor ponsel akun IKD dari ponsel yang terdaftar,\n\
             dengan PIN yang benar.\n\n\
             Kode konfirmasi: {code}\n\n\
             Masukkan kode ini di aplikasi IKD (Pengaturan, Ubah email / nomor ponsel).\n\
             Kode berlaku 15 menit dan hanya sekali pakai. Jangan berikan kode ini kepada siapa pun,\n\
             termasuk petugas. Jika Anda tidak memintanya, abaikan email ini: tidak ada yang berubah\n\
             tanpa kode ini.\n\n\
             ---\n\n\
             Someone asked, from the registered phone and with the right PIN, to change the email or\n\
             phone of an IKD account.\n\
             Confirmation code: {code}\n\
             Enter it in the IKD app (Pengaturan, Ubah email / nomor ponsel). The code is valid for\n\
             15 minutes, once. Never share it, not even with an officer. If you did not ask for this,\n\
             ignore this email: nothing changes without this code.\n",
            code = code.expose()
        );
        self.deliver(to, "Kode konfirmasi IKD / IKD confirmation code", body)
            .await
    }

    /// A security notice ([`Notice`]): what happened, when in the resident's time zone, and
    /// what to do if it was not them. It names no NIK and no data beyond the masked address.
    pub async fn send_notice(
        &self,
        to: &Email,
        notice: &Notice,
        at: i64,
        zone: ikd_core::region::TimeZone,
    ) -> Result<()> {
        let (subject, body) = notice.render(&to.masked(), at, zone);
        self.deliver(to, &subject, body).await
    }

    pub(crate) async fn deliver(&self, to: &Email, subject: &str, body: String) -> Result<()> {
        let to: Mailbox = to
            .as_str()
            .parse()
            .map_err(|_| Error::internal("recipient address"))?;
        let msg = Message::builder()
            .from(
                FROM.parse()
                    .map_err(|_| Error::internal("sender address"))?,
            )
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| Error::internal(format!("building mail: {e}")))?;
        match self {
            // lettre's own timeout bounds each connect, not the TLS handshake or the
            // commands: the whole exchange is bounded here, so a hung relay cannot hold the
            // delivery task (or a waiting request) past the mail queue's claim.
            Mailer::Smtp(t) => tokio::time::timeout(SMTP_TIMEOUT, t.send(msg))
                .await
                .map_err(|_| Error::internal("SMTP: timeout"))?
                .map(|_| ())
                .map_err(|e| Error::internal(smtp_failure(&e))),
            Mailer::Outbox(t, _) => t
                .send(msg)
                .await
                .map(|_| ())
                .map_err(|e| Error::internal(format!("outbox: {e}"))),
        }
    }
}

/// An SMTP failure for the log: the reply code and the kind, never the server's text, which
/// often repeats the recipient's address.
fn smtp_failure(e: &lettre::transport::smtp::Error) -> String {
    let kind = if e.is_permanent() {
        "permanent"
    } else if e.is_transient() {
        "transient"
    } else if e.is_timeout() {
        "timeout"
    } else if e.is_tls() {
        "tls"
    } else {
        "connection or protocol"
    };
    match e.status() {
        Some(code) => format!("SMTP: {kind} error, reply {code}"),
        None => format!("SMTP: {kind} error"),
    }
}

/// What a security notice reports (issue 17, item 4). Its `Debug` leaves out the cancel
/// link, a bearer secret.
#[derive(Clone, PartialEq, Eq)]
pub enum Notice {
    /// A phone was activated for the account.
    DeviceActivated,
    /// The PIN was changed with the old PIN.
    PinChanged,
    /// A new PIN was set through Lupa PIN. `waiting_until` when it signs in only later
    /// (after a hard lock), with the link that cancels it until then.
    PinReset {
        waiting_until: Option<i64>,
        cancel_link: Option<String>,
    },
    /// A waiting Lupa PIN was cancelled from the email's link.
    PinResetCancelled,
    /// The phone was released (by the citizen, or by an officer at the counter).
    DeviceReleased,
    /// The account was locked after too many wrong PINs.
    AccountLocked,
    /// A new phone asked to move the account and waits for an officer's review.
    DeviceChangeUnderReview,
    /// An officer approved, remotely, moving the account to a new phone: it completes at
    /// `until` unless cancelled from the old phone or with `cancel_link`.
    DeviceChangeRequested { until: i64, cancel_link: String },
    /// The account moved to a new phone; the old one no longer signs in.
    DeviceChangeCompleted,
    /// A device change was cancelled.
    DeviceChangeCancelled,
    /// The registered email or phone was changed (to the address it was before, with the
    /// link that undoes it, and to a new one, without).
    ContactChanged {
        /// The link that undoes it, and until when (unix seconds).
        restore_link: Option<(String, i64)>,
    },
    /// A contact change was undone from that link.
    ContactRestored,
    /// The resident closed the IKD account.
    AccountClosed,
}

impl std::fmt::Debug for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.kind())
    }
}

impl Notice {
    /// A stable name for logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Notice::DeviceActivated => "device_activated",
            Notice::PinChanged => "pin_changed",
            Notice::PinReset { .. } => "pin_reset",
            Notice::PinResetCancelled => "pin_reset_cancelled",
            Notice::DeviceReleased => "device_released",
            Notice::AccountLocked => "account_locked",
            Notice::DeviceChangeUnderReview => "device_change_under_review",
            Notice::DeviceChangeRequested { .. } => "device_change_requested",
            Notice::DeviceChangeCompleted => "device_change_completed",
            Notice::DeviceChangeCancelled => "device_change_cancelled",
            Notice::ContactChanged { .. } => "contact_changed",
            Notice::ContactRestored => "contact_restored",
            Notice::AccountClosed => "account_closed",
        }
    }

    /// Subject and body: Bahasa Indonesia, then English.
    pub fn render(
        &self,
        masked_to: &str,
        at: i64,
        zone: ikd_core::region::TimeZone,
    ) -> (String, String) {
        const NOT_YOU_ID: &str = "Jika bukan Anda, segera datang ke kantor Dukcapil dengan KTP-el: petugas dapat \
            melepas perangkat dan mengunci akun.";
        const NOT_YOU_EN: &str = "If this was not you, visit a Dukcapil office with your KTP-el soon: an officer \
            can release the device and lock the account.";
        let when = zone.format(at);
        let (subject, id, en): (&str, String, String) = match self {
            Notice::DeviceActivated => (
                "Perangkat baru diaktifkan / A device was activated",
                format!("Akun IKD Anda diaktifkan pada sebuah ponsel pada {when}. {NOT_YOU_ID}"),
                format!("Your IKD account was activated on a phone at {when}. {NOT_YOU_EN}"),
            ),
            Notice::PinChanged => (
                "PIN IKD diubah / Your IKD PIN was changed",
                format!("PIN akun IKD Anda diubah pada {when}. {NOT_YOU_ID}"),
                format!("The PIN of your IKD account was changed at {when}. {NOT_YOU_EN}"),
            ),
            Notice::PinReset {
                waiting_until: None,
                ..
            } => (
                "PIN IKD direset / Your IKD PIN was reset",
                format!(
                    "PIN baru dibuat lewat Lupa PIN dari ponsel terdaftar pada {when}; semua sesi lain diakhiri. {NOT_YOU_ID}"
                ),
                format!(
                    "A new PIN was set through Lupa PIN from the registered phone at {when}; every other session was ended. {NOT_YOU_EN}"
                ),
            ),
            Notice::PinReset {
                waiting_until: Some(until),
                cancel_link,
            } => {
                let from = zone.format(*until);
                let link = cancel_link.as_deref().unwrap_or("");
                (
                    "PIN IKD direset, berlaku setelah masa tunggu / Your IKD PIN was reset, with a wait",
                    format!(
                        "PIN baru dibuat lewat Lupa PIN dari ponsel terdaftar pada {when}, setelah akun dikunci karena 10 kali PIN salah. \
                         Demi keamanan, PIN baru baru bisa dipakai mulai {from}.\n\n\
                         Jika bukan Anda, batalkan sebelum itu lewat tautan ini (akun tetap terkunci dan PIN lama kembali):\n{link}\n\n\
                         Lalu datang ke kantor Dukcapil dengan KTP-el."
                    ),
                    format!(
                        "A new PIN was set through Lupa PIN from the registered phone at {when}, after the account was locked by 10 wrong PINs. \
                         For your safety it signs in only from {from}.\n\n\
                         If this was not you, cancel before then with this link (the account stays locked and the old PIN returns):\n{link}\n\n\
                         Then visit a Dukcapil office with your KTP-el."
                    ),
                )
            }
            Notice::PinResetCancelled => (
                "Reset PIN IKD dibatalkan / Your IKD PIN reset was cancelled",
                format!(
                    "Reset PIN akun IKD Anda dibatalkan pada {when}. Akun tetap terkunci; datang ke kantor Dukcapil dengan KTP-el agar petugas membukanya."
                ),
                format!(
                    "The PIN reset of your IKD account was cancelled at {when}. The account stays locked; visit a Dukcapil office with your KTP-el to have an officer unlock it."
                ),
            ),
            Notice::DeviceReleased => (
                "Perangkat IKD dilepas / Your IKD device was released",
                format!(
                    "Ponsel akun IKD Anda dilepas pada {when}; semua sesi diakhiri. Untuk memakai IKD lagi, daftar di ponsel Anda. {NOT_YOU_ID}"
                ),
                format!(
                    "The phone of your IKD account was released at {when}; every session was ended. To use IKD again, register on your phone. {NOT_YOU_EN}"
                ),
            ),
            Notice::AccountLocked => (
                "Akun IKD dikunci / Your IKD account was locked",
                format!(
                    "Akun IKD Anda dikunci pada {when} karena 10 kali PIN salah. Buka kuncinya dengan Lupa PIN di ponsel terdaftar, atau di kantor Dukcapil dengan KTP-el. {NOT_YOU_ID}"
                ),
                format!(
                    "Your IKD account was locked at {when} after 10 wrong PINs. Unlock it with Lupa PIN on the registered phone, or at a Dukcapil office with your KTP-el. {NOT_YOU_EN}"
                ),
            ),
            Notice::DeviceChangeRequested { until, cancel_link } => {
                let from = zone.format(*until);
                (
                    "Permintaan pindah perangkat IKD / A request to move your IKD account",
                    format!(
                        "Pada {when} petugas Dukcapil menyetujui pemindahan akun IKD Anda ke ponsel baru, setelah mencocokkan swafoto dengan foto registri. \
                         Pemindahan berlaku mulai {from}; setelah itu ponsel lama tidak dapat masuk lagi.\n\n\
                         Jika bukan Anda, batalkan sebelum itu: tekan Batalkan di aplikasi IKD pada ponsel lama, atau buka tautan ini:\n{cancel_link}\n\n\
                         Lalu datang ke kantor Dukcapil dengan KTP-el."
                    ),
                    format!(
                        "At {when} a Dukcapil officer approved moving your IKD account to a new phone, after comparing its selfie with the registry photo. \
                         The move takes effect from {from}; the old phone then no longer signs in.\n\n\
                         If this was not you, cancel before then: tap Batalkan in the IKD app on the old phone, or open this link:\n{cancel_link}\n\n\
                         Then visit a Dukcapil office with your KTP-el."
                    ),
                )
            }
            Notice::DeviceChangeUnderReview => (
                "Permintaan pindah perangkat IKD / A request to move your IKD account",
                format!(
                    "Pada {when} sebuah ponsel baru meminta memindahkan akun IKD Anda; petugas Dukcapil akan meninjaunya. \
                     Bila bukan Anda, tekan Batalkan di Beranda aplikasi IKD pada ponsel lama, lalu datang ke kantor Dukcapil dengan KTP-el."
                ),
                format!(
                    "At {when} a new phone asked to move your IKD account; a Dukcapil officer will review it. \
                     If this was not you, tap Batalkan on Home in the IKD app on the old phone, then visit a Dukcapil office with your KTP-el."
                ),
            ),
            Notice::DeviceChangeCompleted => (
                "Akun IKD pindah ke ponsel baru / Your IKD account moved to a new phone",
                format!(
                    "Akun IKD Anda dipindah ke ponsel baru pada {when}. Ponsel lama tidak dapat masuk lagi, dan QR KTP digitalnya ditolak saat diperiksa. {NOT_YOU_ID}"
                ),
                format!(
                    "Your IKD account moved to a new phone at {when}. The old phone no longer signs in, and its digital KTP QRs are refused when checked. {NOT_YOU_EN}"
                ),
            ),
            Notice::DeviceChangeCancelled => (
                "Pindah perangkat IKD dibatalkan / Your IKD device change was cancelled",
                format!(
                    "Permintaan memindahkan akun IKD Anda ke ponsel baru dibatalkan pada {when}. Akun tetap di ponsel lama. Bila Anda memang ingin pindah, daftar lagi di ponsel baru, atau datang ke kantor Dukcapil dengan KTP-el."
                ),
                format!(
                    "The request to move your IKD account to a new phone was cancelled at {when}. The account stays on the old phone. If you do want to move, register again on the new phone, or visit a Dukcapil office with your KTP-el."
                ),
            ),
            Notice::ContactChanged { restore_link } => {
                let (undo_id, undo_en) = match restore_link {
                    Some((link, until)) => {
                        let until = zone.format(*until);
                        (
                            format!(
                                "Jika bukan Anda, kembalikan email dan nomor ponsel yang lama sebelum {until} lewat tautan ini (semua sesi juga diakhiri):\n{link}\n\n"
                            ),
                            format!(
                                "If this was not you, restore the previous email and phone before {until} from this link (every session also ends):\n{link}\n\n"
                            ),
                        )
                    }
                    None => (String::new(), String::new()),
                };
                (
                    "Email/nomor ponsel IKD diubah / Your IKD email or phone was changed",
                    format!(
                        "Email atau nomor ponsel akun IKD Anda diubah pada {when} dari ponsel terdaftar, dengan PIN dan kode yang dikirim ke email. Pemberitahuan berikutnya dikirim ke alamat yang baru.\n\n{undo_id}{NOT_YOU_ID}"
                    ),
                    format!(
                        "The email or phone of your IKD account was changed at {when} from the registered phone, with the PIN and a code sent by email. Further notices go to the new address.\n\n{undo_en}{NOT_YOU_EN}"
                    ),
                )
            }
            Notice::ContactRestored => (
                "Email/nomor ponsel IKD dikembalikan / Your IKD email and phone were restored",
                format!(
                    "Pada {when} email dan nomor ponsel akun IKD Anda dikembalikan ke yang lama lewat tautan di email pemberitahuan, dan semua sesi diakhiri. Bila ponsel atau PIN Anda dipegang orang lain, ubah PIN, atau datang ke kantor Dukcapil dengan KTP-el agar petugas melepas perangkat."
                ),
                format!(
                    "At {when} the email and phone of your IKD account were restored to the previous ones from the link in the notice email, and every session ended. If someone else holds your phone or knows your PIN, change the PIN, or visit a Dukcapil office with your KTP-el to have an officer release the device."
                ),
            ),
            Notice::AccountClosed => (
                "Akun IKD ditutup / Your IKD account was closed",
                format!(
                    "Akun IKD Anda ditutup pada {when} dari ponsel terdaftar, dengan PIN. Akun, perangkat, sesi, kredensial, data pendaftaran dan Riwayat sudah dihapus; data kependudukan Anda tetap di Dukcapil. Untuk memakai IKD lagi, daftar di ponsel Anda. {NOT_YOU_ID}"
                ),
                format!(
                    "Your IKD account was closed at {when} from the registered phone, with the PIN. The account, device, sessions, credentials, registration data and activity log were deleted; your population record stays at Dukcapil. To use IKD again, register on your phone. {NOT_YOU_EN}"
                ),
            ),
        };
        let body = format!(
            "Yth. Bapak/Ibu ({masked_to}),\n\n{id}\n\n\
             Email ini dikirim otomatis untuk keamanan akun Anda; jangan dibalas.\n\n---\n\n\
             Dear resident ({masked_to}),\n\n{en}\n\n\
             This email is sent automatically for your account's safety; do not reply.\n"
        );
        (subject.to_owned(), body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_says_what_and_when_in_both_languages_and_only_the_masked_address() {
        let (subject, body) = Notice::PinReset {
            waiting_until: Some(1_796_281_500),
            cancel_link: Some("https://ikd.example/pin/batal/abc".into()),
        }
        .render(
            "b•••@contoh.id",
            1_796_195_100,
            ikd_core::region::TimeZone::Wita,
        );
        assert!(subject.contains(" / "), "{subject}");
        assert!(body.contains("2 Des 2026 15.05 WITA"), "{body}");
        assert!(body.contains("3 Des 2026 15.05 WITA"), "{body}");
        assert!(body.contains("https://ikd.example/pin/batal/abc"));
        assert!(body.contains("Dear resident (b•••@contoh.id)"));
    }
}
