//! Outgoing mail through lettre: SMTP when `--smtp-url` is given (`smtp://host:port` for a
//! local relay, `smtps://` or `smtp://…?tls=required` for TLS), else `.eml` files in the
//! outbox folder of the data directory (the embedded default). Both are lettre transports
//! behind one type, so the message is built by the same code either way.

use std::path::PathBuf;

use ikd_core::{ActivationCode, Email};
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::error::{Error, Result};

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
        let to: Mailbox = to
            .as_str()
            .parse()
            .map_err(|_| Error::internal("recipient address"))?;
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
        let msg = Message::builder()
            .from(
                FROM.parse()
                    .map_err(|_| Error::internal("sender address"))?,
            )
            .to(to)
            .subject("Kode aktivasi IKD / IKD activation code")
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| Error::internal(format!("building mail: {e}")))?;
        match self {
            Mailer::Smtp(t) => t
                .send(msg)
                .await
                .map(|_| ())
                .map_err(|e| Error::internal(format!("SMTP: {e}"))),
            Mailer::Outbox(t, _) => t
                .send(msg)
                .await
                .map(|_| ())
                .map_err(|e| Error::internal(format!("outbox: {e}"))),
        }
    }
}
