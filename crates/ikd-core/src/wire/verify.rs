//! Verification of an identity QR, in a fixed order that names the first check failing:
//! encoding → decryption → COSE structure (the profile and exactly its values) → issuer
//! signature (which covers every disclosed value) → credential validity → device signature
//! → freshness → replay.

use std::collections::{BTreeMap, HashMap};

use coset::CoseSign1;

use super::cbor;
use super::credential::IssuerAuth;
use super::element::{Element, ElementValue};
use super::envelope::{Envelope, qr_text_to_envelope_bytes};
use super::presentation::{Nonce, PresentationWire, device_auth_bytes, device_sig_header_ok};
use super::profile::Profile;
use super::replay::{AsyncReplayCache, ReplayCache};
use crate::crypto::{IssuerPublicKey, KeyId, VerifierKeyFile, VerifierSecretKey};
use crate::error::{Lang, UserError, tr};

/// A verifier accepts a presentation signed at most this long ago.
pub const MAX_AGE_SECS: i64 = 90;
/// How far ahead of the verifier's clock a phone's clock may be.
pub const CLOCK_SKEW_SECS: i64 = 10;

/// The check that refused a QR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Encoding,
    Decryption,
    CoseStructure,
    /// Also where a changed disclosed value is caught: the issuer signs the values.
    IssuerSignature,
    CredentialValidity,
    DeviceSignature,
    Freshness,
    Replay,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("not an IKD2 QR, or its encoding is damaged")]
    Encoding,
    #[error("sealed to a verifier key this verifier does not hold")]
    UnknownVerifierKey,
    #[error("decryption failed")]
    Decryption,
    #[error("the presentation structure is invalid")]
    Structure,
    #[error("the issuer key is not trusted")]
    UnknownIssuer,
    #[error("the issuer signature is invalid")]
    IssuerSignature,
    #[error("the credential is not yet valid")]
    CredentialNotYetValid,
    #[error("the credential has expired")]
    CredentialExpired,
    #[error("the device signature is invalid")]
    DeviceSignature,
    #[error("the QR is older than the freshness window")]
    Expired,
    #[error("the QR is dated in the future")]
    FromTheFuture,
    #[error("the QR has been shown before")]
    Replayed,
    #[error("the replay check could not be made: {0}")]
    ReplayCheck(String),
}

impl VerifyError {
    pub fn stage(&self) -> Stage {
        match self {
            VerifyError::Encoding => Stage::Encoding,
            VerifyError::UnknownVerifierKey | VerifyError::Decryption => Stage::Decryption,
            VerifyError::Structure => Stage::CoseStructure,
            VerifyError::UnknownIssuer | VerifyError::IssuerSignature => Stage::IssuerSignature,
            VerifyError::CredentialNotYetValid | VerifyError::CredentialExpired => {
                Stage::CredentialValidity
            }
            VerifyError::DeviceSignature => Stage::DeviceSignature,
            VerifyError::Expired | VerifyError::FromTheFuture => Stage::Freshness,
            VerifyError::Replayed | VerifyError::ReplayCheck(_) => Stage::Replay,
        }
    }
}

impl UserError for VerifyError {
    fn code(&self) -> &'static str {
        match self {
            VerifyError::Encoding => "QR_ENCODING",
            VerifyError::UnknownVerifierKey => "QR_WRONG_VERIFIER",
            VerifyError::Decryption => "QR_DECRYPTION",
            VerifyError::Structure => "QR_STRUCTURE",
            VerifyError::UnknownIssuer => "QR_UNKNOWN_ISSUER",
            VerifyError::IssuerSignature => "QR_ISSUER_SIGNATURE",
            VerifyError::CredentialNotYetValid => "QR_CREDENTIAL_NOT_YET_VALID",
            VerifyError::CredentialExpired => "QR_CREDENTIAL_EXPIRED",
            VerifyError::DeviceSignature => "QR_DEVICE_SIGNATURE",
            VerifyError::Expired => "QR_EXPIRED",
            VerifyError::FromTheFuture => "QR_CLOCK_SKEW",
            VerifyError::Replayed => "QR_REPLAYED",
            VerifyError::ReplayCheck(_) => "QR_REPLAY_CHECK_FAILED",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match self {
            VerifyError::Encoding => tr(
                lang,
                "Ini bukan QR KTP digital (IKD), atau gambarnya rusak. Minta pemilik menampilkan ulang QR dari aplikasi IKD.",
                "This is not an IKD digital KTP QR, or it is damaged. Ask the holder to show the QR again from the IKD app.",
            ),
            VerifyError::UnknownVerifierKey | VerifyError::Decryption => tr(
                lang,
                "QR ini tidak ditujukan untuk verifikator ini atau tidak dapat dibuka. Minta pemilik membuat QR baru.",
                "This QR was not made for this verifier or cannot be opened. Ask the holder to make a new QR.",
            ),
            VerifyError::Structure => tr(
                lang,
                "Isi QR tidak sesuai format IKD. QR mungkin dibuat oleh aplikasi palsu.",
                "The QR content does not follow the IKD format. It may come from a counterfeit app.",
            ),
            VerifyError::UnknownIssuer => tr(
                lang,
                "Penerbit KTP digital ini tidak dikenal. Jangan terima identitas ini; perbarui kunci verifikator bila perlu.",
                "The issuer of this digital KTP is unknown. Do not accept it; update the verifier keys if needed.",
            ),
            VerifyError::IssuerSignature => tr(
                lang,
                "Tanda tangan Dukcapil pada QR ini tidak sah: datanya diubah atau dipalsukan. Jangan terima identitas ini.",
                "The Dukcapil signature on this QR is not valid: its data was altered or forged. Do not accept this identity.",
            ),
            VerifyError::CredentialNotYetValid | VerifyError::CredentialExpired => tr(
                lang,
                "KTP digital di ponsel pemilik sudah kedaluwarsa. Minta pemilik membuka aplikasi IKD saat online agar diperbarui.",
                "The digital KTP on the holder's phone has expired. Ask them to open the IKD app online to renew it.",
            ),
            VerifyError::DeviceSignature => tr(
                lang,
                "QR ini tidak ditandatangani oleh perangkat pemilik KTP digital. Jangan terima identitas ini.",
                "This QR was not signed by the holder's device. Do not accept this identity.",
            ),
            VerifyError::Expired => tr(
                lang,
                "QR sudah kedaluwarsa (lebih dari 90 detik). Minta pemilik menampilkan QR yang baru.",
                "The QR has expired (older than 90 seconds). Ask the holder to show a fresh QR.",
            ),
            VerifyError::FromTheFuture => tr(
                lang,
                "Waktu pada QR tidak wajar. Minta pemilik memeriksa jam ponselnya lalu menampilkan QR baru.",
                "The QR's time is wrong. Ask the holder to check their phone clock and show a new QR.",
            ),
            VerifyError::Replayed => tr(
                lang,
                "QR ini sudah pernah dipakai. Minta pemilik menampilkan QR yang baru di aplikasinya.",
                "This QR has already been used. Ask the holder to show a new QR from their app.",
            ),
            VerifyError::ReplayCheck(_) => tr(
                lang,
                "Pemeriksaan QR tidak dapat diselesaikan saat ini. Coba lagi sebentar lagi.",
                "The QR check could not be completed right now. Try again shortly.",
            ),
        }
    }
}

/// Everything a QR proved, after every check including replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedPresentation {
    pub profile: Profile,
    pub issuer_kid: KeyId,
    /// Opaque id the issuer gave the credential: how an online verifier finds the account
    /// (for the revocation check and the citizen's access log) without the NIK.
    pub credential_id: [u8; 16],
    pub device_key_kid: KeyId,
    pub disclosed: BTreeMap<Element, ElementValue>,
    pub signed_at: i64,
    pub credential_valid_until: i64,
    pub nonce: Nonce,
}

/// A presentation that passed every check except replay; only a replay cache makes it
/// a [`VerifiedPresentation`].
#[derive(Debug)]
#[must_use = "a fresh presentation is not verified until its nonce is checked"]
pub struct Fresh(VerifiedPresentation);

impl Fresh {
    /// The nonce and the time after which the freshness check alone refuses it.
    pub fn nonce(&self) -> (&Nonce, i64) {
        (
            &self.0.nonce,
            self.0.signed_at + MAX_AGE_SECS + CLOCK_SKEW_SECS,
        )
    }

    /// The credential's opaque id and the disclosure profile: what an online verifier
    /// needs for its revocation check, which it can then make together with spending the
    /// nonce (the service does both, and writes the access-log entry, in one transaction).
    /// No disclosed value is reachable before the replay check.
    pub fn credential(&self) -> (&[u8; 16], Profile) {
        (&self.0.credential_id, self.0.profile)
    }

    pub fn check_replay<C: ReplayCache>(
        self,
        cache: &C,
        now: i64,
    ) -> Result<VerifiedPresentation, VerifyError> {
        let (nonce, forget_after) = self.nonce();
        match cache.insert_if_new(nonce, now, forget_after) {
            Ok(true) => Ok(self.0),
            Ok(false) => Err(VerifyError::Replayed),
            Err(e) => Err(VerifyError::ReplayCheck(e.to_string())),
        }
    }

    pub async fn check_replay_async<C: AsyncReplayCache>(
        self,
        cache: &C,
        now: i64,
    ) -> Result<VerifiedPresentation, VerifyError> {
        let (nonce, forget_after) = self.nonce();
        match cache.insert_if_new(nonce, now, forget_after).await {
            Ok(true) => Ok(self.0),
            Ok(false) => Err(VerifyError::Replayed),
            Err(e) => Err(VerifyError::ReplayCheck(e.to_string())),
        }
    }
}

/// A verifier: the issuer keys it trusts and the decryption keys it holds.
#[derive(Debug)]
pub struct Verifier {
    issuers: HashMap<KeyId, IssuerPublicKey>,
    decryption: HashMap<KeyId, VerifierSecretKey>,
}

impl Verifier {
    pub fn new(issuers: Vec<IssuerPublicKey>, decryption: Vec<VerifierSecretKey>) -> Self {
        Verifier {
            issuers: issuers.into_iter().map(|k| (k.key.kid(), k)).collect(),
            decryption: decryption.into_iter().map(|k| (k.kid(), k)).collect(),
        }
    }

    pub fn from_key_file(file: VerifierKeyFile) -> Self {
        Self::new(file.issuers, file.decryption_keys)
    }

    /// Every check but replay, at unix time `now`.
    pub fn verify(&self, qr_text: &str, now: i64) -> Result<Fresh, VerifyError> {
        // 1. Prefix and encoding.
        let envelope = qr_text_to_envelope_bytes(qr_text).ok_or(VerifyError::Encoding)?;
        // 2. Decryption with the key the envelope names (bound through the AAD).
        let (kid, plaintext) = self.open_envelope(&envelope)?;
        self.verify_plaintext(&plaintext, kid, now)
    }

    /// Step 2 of [`Verifier::verify`]: the envelope's CBOR, then the HPKE open with the
    /// key it names; answers that kid and the plaintext.
    pub(crate) fn open_envelope(&self, envelope: &[u8]) -> Result<(KeyId, Vec<u8>), VerifyError> {
        let envelope = Envelope::from_bytes(envelope).ok_or(VerifyError::Encoding)?;
        let kid = envelope.kid().ok_or(VerifyError::Encoding)?;
        let key = self
            .decryption
            .get(&kid)
            .ok_or(VerifyError::UnknownVerifierKey)?;
        let plaintext = key
            .open(envelope.enc(), envelope.ciphertext(), &Envelope::aad(kid))
            .ok_or(VerifyError::Decryption)?;
        Ok((kid, plaintext))
    }

    /// Steps 3 to 7 of [`Verifier::verify`]: the opened presentation, addressed to `kid`.
    pub(crate) fn verify_plaintext(
        &self,
        plaintext: &[u8],
        kid: KeyId,
        now: i64,
    ) -> Result<Fresh, VerifyError> {
        // 3. COSE and CBOR structure: a known profile with exactly its values.
        let p: PresentationWire =
            cbor::from_slice_canonical(plaintext).ok_or(VerifyError::Structure)?;
        if !p.version_ok() {
            return Err(VerifyError::Structure);
        }
        let (issuer_auth, device_sig, ts, nonce) = (p.1, p.2, p.3, p.4.into_array());
        let auth = IssuerAuth::parse(&issuer_auth).ok_or(VerifyError::Structure)?;
        let device_sig: CoseSign1 =
            cbor::cose_canonical(&device_sig).ok_or(VerifyError::Structure)?;
        if !device_sig_header_ok(&device_sig) {
            return Err(VerifyError::Structure);
        }
        // 4. Issuer signature with a known key id: it covers the profile and every value.
        let issuer = self
            .issuers
            .get(&auth.kid)
            .ok_or(VerifyError::UnknownIssuer)?;
        if !auth.signature_valid(&issuer.key) {
            return Err(VerifyError::IssuerSignature);
        }
        // 5. Credential validity, and the issuer key's own end of validity after a rotation.
        let v = auth.signed.validity;
        if now < v.valid_from {
            return Err(VerifyError::CredentialNotYetValid);
        }
        if now > v.valid_until || issuer.not_after.is_some_and(|end| now > end) {
            return Err(VerifyError::CredentialExpired);
        }
        // 6. Device signature over what this verifier saw, addressed to this verifier.
        let payload = device_auth_bytes(&issuer_auth, ts, &nonce, kid);
        let device_key = &auth.signed.device_key;
        let device_key_kid = device_key.kid();
        device_sig
            .verify_detached_signature(&payload, b"", |sig, data| {
                device_key.verify(data, sig).then_some(()).ok_or(())
            })
            .map_err(|()| VerifyError::DeviceSignature)?;
        // 7. Freshness.
        // Saturating: a device can sign any i64 as its time.
        if now.saturating_sub(ts) > MAX_AGE_SECS {
            return Err(VerifyError::Expired);
        }
        if ts.saturating_sub(now) > CLOCK_SKEW_SECS {
            return Err(VerifyError::FromTheFuture);
        }
        let signed = auth.signed;
        Ok(Fresh(VerifiedPresentation {
            profile: signed.profile,
            issuer_kid: auth.kid,
            credential_id: signed.credential_id,
            device_key_kid,
            disclosed: signed.disclosed().map(|(e, v)| (e, v.clone())).collect(),
            signed_at: ts,
            credential_valid_until: v.valid_until,
            nonce,
        }))
    }

    /// Every check, replay included.
    pub fn verify_once<C: ReplayCache>(
        &self,
        qr_text: &str,
        now: i64,
        cache: &C,
    ) -> Result<VerifiedPresentation, VerifyError> {
        self.verify(qr_text, now)?.check_replay(cache, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{DeviceKey, IssuerKey, VerifierSecretKey};
    use crate::records::tests::sample_ktp;
    use crate::wire::envelope::{envelope_bytes_to_qr_text, qr_text_to_envelope_bytes};
    use crate::wire::{Credential, MemoryReplayCache, SignedProfile, claims_from_ktp, present};
    use proptest::prelude::*;
    use serde_bytes::ByteBuf;
    use time::macros::date;

    const NOW: i64 = 1_795_000_000;

    struct Fixture {
        issuer: IssuerKey,
        device: DeviceKey,
        verifier: VerifierSecretKey,
        credential: Credential,
    }

    impl Fixture {
        fn new() -> Self {
            let issuer = IssuerKey::generate().unwrap();
            let device = DeviceKey::generate().unwrap();
            let claims = claims_from_ktp(&sample_ktp(), Some(&[7; 32]), date!(2026 - 11 - 22));
            let credential =
                Credential::issue(&issuer, device.public(), &claims, NOW - 3600, 7 * 86_400)
                    .unwrap();
            Fixture {
                issuer,
                device,
                verifier: VerifierSecretKey::generate(),
                credential,
            }
        }

        fn verifier(&self) -> Verifier {
            let trusted = IssuerPublicKey {
                key: self.issuer.public().clone(),
                not_after: None,
            };
            let own = VerifierSecretKey::from_bytes(&*self.verifier.to_bytes()).unwrap();
            Verifier::new(vec![trusted], vec![own])
        }

        fn qr(&self, profile: Profile, at: i64) -> String {
            present(
                &self.credential,
                &self.device,
                profile,
                self.verifier.public(),
                at,
            )
            .unwrap()
        }

        /// Opens a QR, lets `f` change the presentation, and seals it again to the same key:
        /// reaches every check past decryption.
        fn reseal(&self, qr: &str, f: impl FnOnce(&mut PresentationWire)) -> String {
            let plain = self.open(qr);
            let mut p: PresentationWire = cbor::from_slice(&plain).unwrap();
            f(&mut p);
            self.seal_bytes(&cbor::to_vec(&p))
        }

        fn open(&self, qr: &str) -> Vec<u8> {
            let env = Envelope::from_qr_text(qr).unwrap();
            self.verifier
                .open(
                    env.enc(),
                    env.ciphertext(),
                    &Envelope::aad(self.verifier.kid()),
                )
                .unwrap()
        }

        fn seal_bytes(&self, plain: &[u8]) -> String {
            let kid = self.verifier.kid();
            let (enc, ct) = self
                .verifier
                .public()
                .seal(plain, &Envelope::aad(kid))
                .unwrap();
            Envelope::new(kid, enc, ct).to_qr_text()
        }
    }

    fn err(v: &Verifier, qr: &str, now: i64) -> VerifyError {
        v.verify(qr, now).map(|_| ()).unwrap_err()
    }

    #[test]
    fn a_fresh_qr_verifies_and_discloses_exactly_its_profile() {
        let fx = Fixture::new();
        let v = fx.verifier();
        for profile in Profile::ALL {
            let got = v
                .verify(&fx.qr(profile, NOW), NOW + 5)
                .unwrap()
                .check_replay(&MemoryReplayCache::default(), NOW)
                .unwrap();
            assert_eq!(got.profile, profile);
            let keys: Vec<Element> = got.disclosed.keys().copied().collect();
            let mut want = profile.elements().to_vec();
            want.sort();
            assert_eq!(keys, want, "{profile:?}");
            assert_eq!(got.device_key_kid, fx.device.kid());
        }
    }

    #[test]
    fn a_credential_of_a_resident_without_a_registry_photo_says_so_in_every_profile() {
        let fx = Fixture::new();
        let claims = claims_from_ktp(&sample_ktp(), None, date!(2026 - 11 - 22));
        let credential =
            Credential::issue(&fx.issuer, fx.device.public(), &claims, NOW - 60, 86_400).unwrap();
        for profile in Profile::ALL {
            let qr = present(&credential, &fx.device, profile, fx.verifier.public(), NOW).unwrap();
            let got = fx.verifier().verify(&qr, NOW).unwrap().0;
            assert_eq!(
                got.disclosed.get(&Element::PortraitSha256),
                Some(&ElementValue::NotOnRecord),
                "{profile:?}"
            );
        }
    }

    #[test]
    fn the_age_profile_reveals_no_birth_date_or_nik() {
        let fx = Fixture::new();
        let got = fx
            .verifier()
            .verify(&fx.qr(Profile::AgeOver17, NOW), NOW)
            .unwrap()
            .0;
        assert_eq!(
            got.disclosed.get(&Element::AgeOver17),
            Some(&ElementValue::Bool(true))
        );
        assert!(!got.disclosed.contains_key(&Element::TanggalLahir));
        assert!(!got.disclosed.contains_key(&Element::Nik));
        assert!(!got.disclosed.contains_key(&Element::NikMasked));
    }

    #[test]
    fn a_qr_shown_twice_is_refused_as_replayed() {
        let fx = Fixture::new();
        let v = fx.verifier();
        let cache = MemoryReplayCache::default();
        let qr = fx.qr(Profile::Minimal, NOW);
        assert!(v.verify_once(&qr, NOW, &cache).is_ok());
        let e = v.verify_once(&qr, NOW + 1, &cache).unwrap_err();
        assert_eq!((e.code(), e.stage()), ("QR_REPLAYED", Stage::Replay));
    }

    #[test]
    fn a_qr_older_than_ninety_seconds_is_expired_and_one_from_the_future_is_refused() {
        let fx = Fixture::new();
        let v = fx.verifier();
        let qr = fx.qr(Profile::Minimal, NOW);
        assert!(v.verify(&qr, NOW + MAX_AGE_SECS).is_ok());
        assert_eq!(err(&v, &qr, NOW + MAX_AGE_SECS + 1), VerifyError::Expired);
        assert!(
            v.verify(&qr, NOW - CLOCK_SKEW_SECS).is_ok(),
            "small skew allowed"
        );
        assert_eq!(
            err(&v, &qr, NOW - CLOCK_SKEW_SECS - 1),
            VerifyError::FromTheFuture
        );
    }

    #[test]
    fn a_qr_signed_at_the_ends_of_time_is_refused_without_overflow() {
        let fx = Fixture::new();
        let v = fx.verifier();
        assert_eq!(
            err(&v, &fx.qr(Profile::Minimal, i64::MIN), NOW),
            VerifyError::Expired
        );
        assert_eq!(
            err(&v, &fx.qr(Profile::Minimal, i64::MAX), NOW),
            VerifyError::FromTheFuture
        );
    }

    #[test]
    fn an_expired_or_not_yet_valid_credential_is_refused() {
        let fx = Fixture::new();
        let v = fx.verifier();
        let late = NOW + 8 * 86_400;
        assert_eq!(
            err(&v, &fx.qr(Profile::Full, late), late),
            VerifyError::CredentialExpired
        );
        let early = NOW - 7200;
        assert_eq!(
            err(&v, &fx.qr(Profile::Full, early), early),
            VerifyError::CredentialNotYetValid
        );
    }

    #[test]
    fn a_rotated_issuer_key_is_refused_after_its_end() {
        let fx = Fixture::new();
        let own = VerifierSecretKey::from_bytes(&*fx.verifier.to_bytes()).unwrap();
        let v = Verifier::new(
            vec![IssuerPublicKey {
                key: fx.issuer.public().clone(),
                not_after: Some(NOW - 1),
            }],
            vec![own],
        );
        assert_eq!(
            err(&v, &fx.qr(Profile::Full, NOW), NOW),
            VerifyError::CredentialExpired
        );
    }

    #[test]
    fn an_unknown_issuer_is_refused() {
        let fx = Fixture::new();
        let own = VerifierSecretKey::from_bytes(&*fx.verifier.to_bytes()).unwrap();
        let other = IssuerKey::generate().unwrap();
        let v = Verifier::new(
            vec![IssuerPublicKey {
                key: other.public().clone(),
                not_after: None,
            }],
            vec![own],
        );
        assert_eq!(
            err(&v, &fx.qr(Profile::Full, NOW), NOW),
            VerifyError::UnknownIssuer
        );
    }

    #[test]
    fn a_qr_for_another_verifier_cannot_be_opened() {
        let fx = Fixture::new();
        let other = VerifierSecretKey::generate();
        let qr = present(
            &fx.credential,
            &fx.device,
            Profile::Full,
            other.public(),
            NOW,
        )
        .unwrap();
        assert_eq!(
            err(&fx.verifier(), &qr, NOW),
            VerifyError::UnknownVerifierKey
        );
    }

    #[test]
    fn a_forged_issuer_signature_is_refused() {
        let fx = Fixture::new();
        let qr = fx.reseal(&fx.qr(Profile::Full, NOW), |p| {
            let n = p.1.len();
            p.1[n - 1] ^= 1;
        });
        assert_eq!(err(&fx.verifier(), &qr, NOW), VerifyError::IssuerSignature);
    }

    /// Re-encodes the issuer's COSE_Sign1 with its payload changed by `f` and the original
    /// signature kept.
    fn change_payload(issuer_auth: &mut ByteBuf, f: impl FnOnce(&mut SignedProfile)) {
        use coset::CborSerializable as _;
        let mut sign1 = CoseSign1::from_slice(issuer_auth).unwrap();
        let mut signed = SignedProfile::from_bytes(sign1.payload.as_ref().unwrap()).unwrap();
        f(&mut signed);
        sign1.payload = Some(signed.to_bytes());
        *issuer_auth = ByteBuf::from(sign1.to_vec().unwrap());
    }

    #[test]
    fn a_changed_disclosed_value_is_caught_by_the_issuer_signature() {
        let fx = Fixture::new();
        let qr = fx.reseal(&fx.qr(Profile::Minimal, NOW), |p| {
            change_payload(&mut p.1, |s| {
                s.values[1] = ElementValue::Text("ORANG LAIN".into());
            });
        });
        let e = err(&fx.verifier(), &qr, NOW);
        assert_eq!(
            (e.code(), e.stage()),
            ("QR_ISSUER_SIGNATURE", Stage::IssuerSignature)
        );
    }

    #[test]
    fn a_presentation_from_another_device_is_refused() {
        let fx = Fixture::new();
        let thief = DeviceKey::generate().unwrap();
        let qr = present(
            &fx.credential,
            &thief,
            Profile::Full,
            fx.verifier.public(),
            NOW,
        )
        .unwrap();
        assert_eq!(err(&fx.verifier(), &qr, NOW), VerifyError::DeviceSignature);
    }

    #[test]
    fn a_moved_timestamp_breaks_the_device_signature() {
        let fx = Fixture::new();
        let qr = fx.reseal(&fx.qr(Profile::Full, NOW - 200), |p| p.3 = NOW);
        assert_eq!(err(&fx.verifier(), &qr, NOW), VerifyError::DeviceSignature);
    }

    #[test]
    fn a_presentation_with_other_fields_than_its_profile_is_refused() {
        let fx = Fixture::new();
        // Another profile's number over the same values: the values no longer fit it.
        let qr = fx.reseal(&fx.qr(Profile::Minimal, NOW), |p| {
            change_payload(&mut p.1, |s| s.profile = Profile::Full);
        });
        assert_eq!(err(&fx.verifier(), &qr, NOW), VerifyError::Structure);
        // A value dropped, or one of the wrong type.
        let qr = fx.reseal(&fx.qr(Profile::Minimal, NOW), |p| {
            change_payload(&mut p.1, |s| {
                s.values.pop();
            });
        });
        assert_eq!(err(&fx.verifier(), &qr, NOW), VerifyError::Structure);
        let qr = fx.reseal(&fx.qr(Profile::AgeOver17, NOW), |p| {
            change_payload(&mut p.1, |s| s.values[2] = ElementValue::Text("YA".into()));
        });
        assert_eq!(err(&fx.verifier(), &qr, NOW), VerifyError::Structure);
    }

    #[test]
    fn garbage_and_foreign_qrs_fail_at_encoding() {
        let v = Fixture::new().verifier();
        for qr in [
            "",
            "IKD2:",
            "IKD2:%%%%",
            "IKD1:ABCD",
            "HC1:NCFOXN%TS3DH3ZSUZK",
            "https://dukcapil.kemendagri.go.id",
            &format!("IKD2:{}", "A".repeat(5000)),
        ] {
            assert_eq!(err(&v, qr, NOW).stage(), Stage::Encoding, "{qr:.20}");
        }
    }

    #[test]
    fn flipping_any_single_byte_of_the_sealed_envelope_is_refused() {
        let fx = Fixture::new();
        let v = fx.verifier();
        let env = qr_text_to_envelope_bytes(&fx.qr(Profile::Full, NOW)).unwrap();
        for i in 0..env.len() {
            let mut bad = env.clone();
            bad[i] ^= 0xFF;
            assert!(
                v.verify(&envelope_bytes_to_qr_text(&bad), NOW).is_err(),
                "byte {i} of {}",
                env.len()
            );
        }
    }

    #[test]
    fn flipping_any_single_byte_of_the_plaintext_presentation_is_refused() {
        let fx = Fixture::new();
        let v = fx.verifier();
        let plain = fx.open(&fx.qr(Profile::Full, NOW));
        for i in 0..plain.len() {
            for mask in [0x01, 0xFF] {
                let mut bad = plain.clone();
                bad[i] ^= mask;
                assert!(
                    v.verify(&fx.seal_bytes(&bad), NOW).is_err(),
                    "byte {i} mask {mask:#x} len {} around {:?}",
                    plain.len(),
                    &plain[i.saturating_sub(12)..(i + 4).min(plain.len())]
                );
            }
        }
    }

    #[test]
    fn every_failure_has_a_stable_code_and_both_languages() {
        let all = [
            VerifyError::Encoding,
            VerifyError::UnknownVerifierKey,
            VerifyError::Decryption,
            VerifyError::Structure,
            VerifyError::UnknownIssuer,
            VerifyError::IssuerSignature,
            VerifyError::CredentialNotYetValid,
            VerifyError::CredentialExpired,
            VerifyError::DeviceSignature,
            VerifyError::Expired,
            VerifyError::FromTheFuture,
            VerifyError::Replayed,
            VerifyError::ReplayCheck("x".into()),
        ];
        let codes: std::collections::HashSet<_> = all.iter().map(|e| e.code()).collect();
        assert_eq!(codes.len(), all.len());
        for e in all {
            assert_ne!(e.message(Lang::Id), e.message(Lang::En));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn presentations_round_trip_for_any_profile_and_age(
            profile_idx in 0usize..4, age in 0i64..=MAX_AGE_SECS, at in 0i64..86_400,
        ) {
            let fx = Fixture::new();
            let profile = Profile::ALL[profile_idx];
            let qr = fx.qr(profile, NOW + at);
            prop_assert!(qr.len() <= crate::wire::MAX_QR_TEXT_LEN);
            let got = fx.verifier().verify(&qr, NOW + at + age).unwrap().0;
            prop_assert_eq!(got.profile, profile);
            prop_assert_eq!(got.signed_at, NOW + at);
            for (e, v) in &got.disclosed {
                prop_assert_eq!(Some(v), fx.credential.value(*e));
            }
        }
    }
}
