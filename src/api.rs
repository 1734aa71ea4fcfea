//! The app's client of the Dukcapil service: one method per endpoint, typed answers, and an
//! error that says in the citizen's language what happened and whether trying again helps.

use std::time::Duration;

use ikd_core::api::{
    Activate, Activated, ActivityLog, ApiError, Captcha, ContactChangeStarted, ContactView,
    CredentialView, DataExport, DeviceChangeStatus, Documents, KkView, KtpView, LoginChallenge,
    OfficerDecision, OfficerLogin, OfficerSession, PinResetDone, PinResetStart, PinResetStarted,
    RegistrationReview, RegistrationStarted, RegistrationStatus, RemoteDecision, RemoteReviews,
    ScanRegistration, SelfieResult, Session, StartRegistration, VerifyQr, VerifyResult,
};
use ikd_core::crypto::KeySet;
use ikd_core::{ErrorBody, Lang};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::network::{AddressRefusal, NetworkPolicy};

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClientError {
    /// The service refused, with its code and message in both languages.
    #[error("{}", .0.code)]
    Refused(ErrorBody),
    /// No answer: offline, DNS, timeout. Trying again may help.
    #[error("network: {0}")]
    Network(String),
    /// An answer the app cannot read (a different service version).
    #[error("unreadable answer")]
    Protocol,
    /// The service address is not one the app may send to (nothing was sent).
    #[error("service address refused: {0:?}")]
    Insecure(AddressRefusal),
    /// The TLS chain has none of the keys this build pins: possibly intercepted.
    #[error("TLS certificate not pinned")]
    PinMismatch,
}

impl ClientError {
    pub fn code(&self) -> &str {
        match self {
            ClientError::Refused(b) => &b.code,
            ClientError::Network(_) => "NETWORK",
            ClientError::Protocol => "PROTOCOL",
            ClientError::Insecure(_) => "SERVICE_ADDRESS_REFUSED",
            ClientError::PinMismatch => "TLS_PIN_MISMATCH",
        }
    }

    /// What to tell the citizen.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            ClientError::Refused(b) => b.message(lang).to_owned(),
            ClientError::Network(_) => crate::i18n::t(
                lang,
                "Tidak dapat terhubung ke layanan Dukcapil. Periksa koneksi internet Anda lalu coba lagi.",
                "Cannot reach the Dukcapil service. Check your internet connection and try again.",
            )
            .to_owned(),
            ClientError::Protocol => crate::i18n::t(
                lang,
                "Jawaban layanan tidak dapat dibaca. Perbarui aplikasi lalu coba lagi.",
                "The service's answer could not be read. Update the app and try again.",
            )
            .to_owned(),
            ClientError::Insecure(_) => crate::i18n::t(
                lang,
                "Alamat layanan di aplikasi ini tidak aman (bukan https dengan kunci Dukcapil), jadi tidak ada data yang dikirim. Pasang aplikasi IKD resmi dari toko aplikasi.",
                "The service address in this app is not secure (not https with Dukcapil's keys), so nothing was sent. Install the official IKD app from the app store.",
            )
            .to_owned(),
            ClientError::PinMismatch => crate::i18n::t(
                lang,
                "Sambungan ditolak: server tidak memakai kunci Dukcapil yang tersimpan di aplikasi. Jaringan ini mungkin menyadap; pakai jaringan lain (misalnya data seluler) lalu coba lagi.",
                "Connection refused: the server does not use the Dukcapil keys kept in the app. This network may be intercepting; use another one (mobile data, say) and try again.",
            )
            .to_owned(),
        }
    }

    /// Whether a retry button makes sense.
    pub fn retryable(&self) -> bool {
        match self {
            ClientError::Network(_) => true,
            ClientError::Refused(b) => {
                matches!(
                    b.code.as_str(),
                    "INTERNAL" | "RATE_LIMITED" | "SERVICE_BUSY"
                )
            }
            ClientError::Protocol | ClientError::Insecure(_) | ClientError::PinMismatch => false,
        }
    }
}

pub type ApiResult<T> = Result<T, ClientError>;

#[derive(Debug, Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    /// `http://host:port` of the service (the API lives under `/api/v1`).
    base: String,
    lang: Lang,
    /// Set when the address may not be used: every call answers this, sending nothing.
    refusal: Option<AddressRefusal>,
}

impl PartialEq for ApiClient {
    fn eq(&self, other: &Self) -> bool {
        self.base == other.base && self.lang == other.lang
    }
}

/// Each call is bounded: a citizen never waits on an endless spinner.
const TIMEOUT: Duration = Duration::from_secs(20);
/// A busy service's answer is sent again this many times before the citizen is told.
const BUSY_RETRIES: u32 = 2;
/// The longest `Retry-After` the app waits out on its own; a longer one is shown.
const MAX_BUSY_WAIT: Duration = Duration::from_secs(5);

/// The `Retry-After` of an answer in delay-seconds (RFC 9110 §10.2.3), if the app should
/// wait it out by itself ([`MAX_BUSY_WAIT`] at most).
fn retry_after(res: &reqwest::Response) -> Option<Duration> {
    let secs: u64 = res
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(secs)).filter(|w| *w <= MAX_BUSY_WAIT)
}

impl ApiClient {
    /// A client of the service at `base` with this build's pins ([`NetworkPolicy::from_build`]).
    pub fn new(base: &str) -> Self {
        Self::with_policy(base, &NetworkPolicy::from_build())
    }

    /// A client of the service at `base` under `policy`: plain HTTP only to this device,
    /// HTTPS only with a pinned key in the chain ([`crate::network`]).
    pub fn with_policy(base: &str, policy: &NetworkPolicy) -> Self {
        let base = base.trim_end_matches('/').to_owned();
        let checked = policy.check(&base);
        let builder = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(8))
            // Never follow a redirect to somewhere the policy was not asked about.
            .redirect(reqwest::redirect::Policy::none());
        let builder = match checked {
            Ok(true) => builder.use_preconfigured_tls(policy.tls_config()),
            _ => builder,
        };
        let (http, refusal) = match (builder.build(), checked) {
            (Ok(http), checked) => (http, checked.err()),
            // A client without the policy's TLS would be weaker: none is used at all.
            (Err(_), _) => (reqwest::Client::default(), Some(AddressRefusal::Unusable)),
        };
        ApiClient {
            http,
            base,
            lang: Lang::Id,
            refusal,
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The same client asking for answers in `lang`.
    pub fn with_lang(&self, lang: Lang) -> Self {
        ApiClient {
            lang,
            ..self.clone()
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    /// Sends `req` in the citizen's language; the body of a success, or the service's
    /// refusal.
    async fn send_raw(&self, req: reqwest::RequestBuilder) -> ApiResult<Vec<u8>> {
        fn network(e: reqwest::Error) -> ClientError {
            if crate::network::is_pin_mismatch(&e) {
                return ClientError::PinMismatch;
            }
            ClientError::Network(e.without_url().to_string())
        }
        if let Some(refusal) = self.refusal {
            return Err(ClientError::Insecure(refusal));
        }
        let tag = match self.lang {
            Lang::Id => "id",
            Lang::En => "en",
        };
        let mut req = req.header("accept-language", tag);
        let mut busy_retries = 0;
        loop {
            let again = (busy_retries < BUSY_RETRIES)
                .then(|| req.try_clone())
                .flatten();
            let res = req.send().await.map_err(network)?;
            let status = res.status();
            let wait = retry_after(&res);
            let bytes = res.bytes().await.map_err(network)?;
            if status.is_success() {
                return Ok(bytes.to_vec());
            }
            let refusal = serde_json::from_slice::<ApiError>(&bytes)
                .map_err(|_| ClientError::Protocol)?
                .error;
            // SERVICE_BUSY with Retry-After is answered before the service did or counted
            // anything, so the same request may go again after that wait, while the screen
            // keeps showing its progress. Without it (no database connection came free,
            // perhaps after part of the work), the citizen is told and chooses.
            match (again, wait) {
                (Some(next), Some(wait)) if refusal.code == "SERVICE_BUSY" => {
                    tokio::time::sleep(wait).await;
                    req = next;
                    busy_retries += 1;
                }
                _ => return Err(ClientError::Refused(refusal)),
            }
        }
    }

    async fn send<T: DeserializeOwned>(&self, req: reqwest::RequestBuilder) -> ApiResult<T> {
        let bytes = self.send_raw(req).await?;
        // 204 answers carry no body: `()` reads from `null`.
        let bytes: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
        serde_json::from_slice(bytes).map_err(|_| ClientError::Protocol)
    }

    async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        bearer: Option<&str>,
    ) -> ApiResult<T> {
        let mut req = self.http.post(self.url(path)).json(body);
        if let Some(t) = bearer {
            req = req.bearer_auth(t);
        }
        self.send(req).await
    }

    async fn get<T: DeserializeOwned>(&self, path: &str, bearer: &str) -> ApiResult<T> {
        self.send(self.http.get(self.url(path)).bearer_auth(bearer))
            .await
    }

    pub async fn start_registration(
        &self,
        req: &StartRegistration,
    ) -> ApiResult<RegistrationStarted> {
        self.post("/registrations", req, None).await
    }

    pub async fn upload_selfie(
        &self,
        id: &str,
        secret: &str,
        image: Vec<u8>,
    ) -> ApiResult<SelfieResult> {
        let req = self
            .http
            .put(self.url(&format!("/registrations/{id}/selfie")))
            .bearer_auth(secret)
            .header("content-type", "image/jpeg")
            .body(image);
        self.send(req).await
    }

    pub async fn registration_status(
        &self,
        id: &str,
        secret: &str,
    ) -> ApiResult<RegistrationStatus> {
        self.get(&format!("/registrations/{id}"), secret).await
    }

    pub async fn captcha(&self) -> ApiResult<Captcha> {
        self.post("/captcha", &serde_json::json!({}), None).await
    }

    pub async fn activate(&self, req: &Activate) -> ApiResult<Activated> {
        self.post("/activate", req, None).await
    }

    /// `pin` has passed [`ikd_core::Pin::parse`] in the app already.
    pub async fn set_pin(&self, setup_token: &str, pin: &str) -> ApiResult<()> {
        #[derive(Serialize)]
        struct Body<'a> {
            setup_token: &'a str,
            pin: &'a str,
        }
        self.post("/pin", &Body { setup_token, pin }, None).await
    }

    pub async fn challenge(&self) -> ApiResult<LoginChallenge> {
        self.post("/login/challenge", &serde_json::json!({}), None)
            .await
    }

    /// A fresh challenge signed by this phone's device key under `context` (login, Lupa
    /// PIN): its id and the signature, base64url, as the service's bodies carry them.
    pub async fn signed_challenge(
        &self,
        key: &ikd_core::crypto::DeviceKey,
        context: &[u8],
    ) -> ApiResult<(String, String)> {
        use crate::session::{b64u, from_b64u};
        let ch = self.challenge().await?;
        let mut signed = context.to_vec();
        signed.extend(from_b64u(&ch.challenge).ok_or(ClientError::Protocol)?);
        let sig = key.sign(&signed).map_err(|_| ClientError::Protocol)?;
        Ok((ch.challenge_id, b64u(&sig)))
    }

    pub async fn login(&self, req: &LoginBody<'_>) -> ApiResult<Session> {
        self.post("/login", req, None).await
    }

    /// Lupa PIN, step 1: the device's signature over a challenge; the code goes by email.
    pub async fn pin_reset_start(&self, req: &PinResetStart) -> ApiResult<PinResetStarted> {
        self.post("/pin/reset/start", req, None).await
    }

    /// Lupa PIN, step 2: the emailed code, a captcha and the new PIN.
    pub async fn pin_reset_finish(&self, req: &PinResetFinishBody<'_>) -> ApiResult<PinResetDone> {
        self.post("/pin/reset/finish", req, None).await
    }

    pub async fn logout(&self, token: &str) -> ApiResult<()> {
        self.post("/logout", &serde_json::json!({}), Some(token))
            .await
    }

    pub async fn change_pin(&self, token: &str, req: &ChangePinBody<'_>) -> ApiResult<()> {
        self.post("/me/pin", req, Some(token)).await
    }

    pub async fn release_device(&self, token: &str) -> ApiResult<()> {
        self.post("/me/device/release", &serde_json::json!({}), Some(token))
            .await
    }

    /// A device change under way for the signed-in account (the banner with Batalkan).
    pub async fn device_change(&self, token: &str) -> ApiResult<DeviceChangeStatus> {
        self.get("/me/device-change", token).await
    }

    /// Cancels a device change from the phone that holds the account.
    pub async fn cancel_device_change(&self, token: &str) -> ApiResult<()> {
        self.post(
            "/me/device-change/cancel",
            &serde_json::json!({}),
            Some(token),
        )
        .await
    }

    /// Data saya: everything the service holds about the resident, and its signature.
    pub async fn my_data(&self, token: &str) -> ApiResult<DataExport> {
        self.get("/me/data", token).await
    }

    /// Tutup akun IKD, with the PIN and the resident's confirmation.
    pub async fn close_account(&self, token: &str, pin: &str) -> ApiResult<()> {
        self.post(
            "/me/close",
            &serde_json::json!({ "pin": pin, "confirm": true }),
            Some(token),
        )
        .await
    }

    /// The registered email and phone, masked.
    pub async fn contact(&self, token: &str) -> ApiResult<ContactView> {
        self.get("/me/contact", token).await
    }

    /// Ubah email / nomor ponsel, step 1: the code goes to the new email.
    pub async fn contact_change_start(
        &self,
        token: &str,
        req: &ContactChangeBody<'_>,
    ) -> ApiResult<ContactChangeStarted> {
        self.post("/me/contact/start", req, Some(token)).await
    }

    /// Step 2: the code applies the change.
    pub async fn contact_change_finish(&self, token: &str, code: &str) -> ApiResult<ContactView> {
        self.post(
            "/me/contact/finish",
            &serde_json::json!({ "code": code }),
            Some(token),
        )
        .await
    }

    pub async fn ktp(&self, token: &str) -> ApiResult<KtpView> {
        self.get("/me/ktp", token).await
    }

    pub async fn kk(&self, token: &str) -> ApiResult<KkView> {
        self.get("/me/kk", token).await
    }

    pub async fn documents(&self, token: &str) -> ApiResult<Documents> {
        self.get("/me/documents", token).await
    }

    pub async fn activity(&self, token: &str) -> ApiResult<ActivityLog> {
        self.get("/me/activity", token).await
    }

    pub async fn credential(&self, token: &str) -> ApiResult<CredentialView> {
        self.get("/me/credential", token).await
    }

    pub async fn keys(&self) -> ApiResult<KeySet> {
        let req = self.http.get(format!("{}/.well-known/ikd-keys", self.base));
        self.send(req).await
    }

    // The officer's console.

    pub async fn officer_login(&self, req: &OfficerLogin) -> ApiResult<OfficerSession> {
        self.post("/officer/login", req, None).await
    }

    pub async fn officer_logout(&self, token: &str) -> ApiResult<()> {
        self.post("/officer/logout", &serde_json::json!({}), Some(token))
            .await
    }

    /// The registration behind a scanned `IKDREG1:` QR, for review.
    pub async fn scan_registration(&self, token: &str, qr: &str) -> ApiResult<RegistrationReview> {
        let body = ScanRegistration { qr: qr.to_owned() };
        self.post("/officer/scan", &body, Some(token)).await
    }

    pub async fn decide(&self, token: &str, req: &OfficerDecision) -> ApiResult<()> {
        self.post("/officer/decision", req, Some(token)).await
    }

    /// Device changes waiting for a remote review, oldest first.
    pub async fn remote_reviews(&self, token: &str) -> ApiResult<RemoteReviews> {
        self.get("/officer/remote-reviews", token).await
    }

    /// One device change from the remote queue, for review (no QR).
    pub async fn remote_review(&self, token: &str, id: &str) -> ApiResult<RegistrationReview> {
        self.get(&format!("/officer/remote-reviews/{id}"), token)
            .await
    }

    pub async fn remote_decide(
        &self,
        token: &str,
        id: &str,
        req: &RemoteDecision,
    ) -> ApiResult<()> {
        self.post(
            &format!("/officer/remote-reviews/{id}/decision"),
            req,
            Some(token),
        )
        .await
    }

    /// Lifts a citizen's PIN lock (the officer has checked the person's identity).
    pub async fn reset_pin(&self, token: &str, nik: &ikd_core::Nik) -> ApiResult<()> {
        let path = format!("/officer/accounts/{}/reset-pin", nik.as_str());
        self.post(&path, &serde_json::json!({}), Some(token)).await
    }

    /// Releases a citizen's device at the counter (a lost or broken phone).
    pub async fn officer_release_device(&self, token: &str, nik: &ikd_core::Nik) -> ApiResult<()> {
        let path = format!("/officer/accounts/{}/release-device", nik.as_str());
        self.post(&path, &serde_json::json!({}), Some(token)).await
    }

    /// Online verification of an identity QR (`IKD2:`).
    pub async fn verify(&self, token: &str, qr: &str) -> ApiResult<VerifyResult> {
        let body = VerifyQr { qr: qr.to_owned() };
        self.post("/verify", &body, Some(token)).await
    }
}

/// The login body as sent: [`ikd_core::api::Login`] holds the PIN as a validated type that does not
/// serialise, so the app sends it from here.
#[derive(Debug, Serialize)]
pub struct LoginBody<'a> {
    pub nik: &'a str,
    pub pin: &'a str,
    pub challenge_id: &'a str,
    pub device_signature: &'a str,
}

/// The Lupa PIN finish body as sent (the PIN is sent from here, as in [`LoginBody`]).
#[derive(Debug, Serialize)]
pub struct PinResetFinishBody<'a> {
    pub reset_token: &'a str,
    pub code: &'a str,
    pub captcha_id: &'a str,
    pub captcha_answer: &'a str,
    pub new_pin: &'a str,
}

/// Step 1 of Ubah email / nomor ponsel (`ContactChangeStart` on the service).
#[derive(Debug, Serialize)]
pub struct ContactChangeBody<'a> {
    /// Left out (None) keeps the registered one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<&'a str>,
    pub pin: &'a str,
    pub challenge_id: String,
    pub device_signature: String,
}

#[derive(Debug, Serialize)]
pub struct ChangePinBody<'a> {
    pub old_pin: &'a str,
    pub new_pin: &'a str,
}
