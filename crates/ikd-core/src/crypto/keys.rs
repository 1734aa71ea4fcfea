//! Key types. Private halves zeroise on drop; ring's parsed ECDSA key pair keeps its own
//! copy, which ring does not let us wipe, so the PKCS#8 bytes we own are wiped and the
//! pair lives only as long as the key object.

use coset::{CoseKey, CoseKeyBuilder, iana};
use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::{Deserializable, Kem as _, OpModeR, OpModeS, Serializable};
use ring::rand::SystemRandom;
use ring::signature::{
    self, ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _,
};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

use super::{KeyError, b64u, sha256};

use super::hpke_receiver::{ReceiverKem, ReceiverKey, StandardKem as Kem};

/// The HPKE suite of every IKD2 QR (RFC 9180 ids: KEM 0x0020, KDF 0x0001, AEAD 0x0003).
pub const HPKE_SUITE: &str = "DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20Poly1305";
/// HPKE `info` (RFC 9180 §5.1): a second implementation needs it to open a QR.
pub const HPKE_INFO: &[u8] = b"IKD2 presentation";

/// First 8 bytes of SHA-256 over the public key's canonical bytes; base64url in text.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId([u8; 8]);

impl KeyId {
    pub fn of_public_key(bytes: &[u8]) -> Self {
        let mut id = [0u8; 8];
        id.copy_from_slice(&sha256(bytes)[..8]);
        KeyId(id)
    }

    pub fn from_bytes(b: &[u8]) -> Option<Self> {
        Some(KeyId(b.try_into().ok()?))
    }

    pub fn as_bytes(&self) -> &[u8; 8] {
        &self.0
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::from_bytes(&b64u::decode(s)?)
    }
}

impl std::fmt::Display for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&b64u::encode(&self.0))
    }
}

impl std::fmt::Debug for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyId({self})")
    }
}

impl Serialize for KeyId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for KeyId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        KeyId::parse(&s).ok_or_else(|| serde::de::Error::custom("key id is not 8 base64url bytes"))
    }
}

/// A P-256 public key (SEC1 uncompressed point) for ES256 verification.
#[derive(Clone, PartialEq, Eq)]
pub struct EcdsaPublicKey {
    sec1: [u8; 65],
    kid: KeyId,
}

impl EcdsaPublicKey {
    pub fn from_sec1(bytes: &[u8]) -> Result<Self, KeyError> {
        let sec1: [u8; 65] = bytes
            .try_into()
            .map_err(|_| KeyError::Malformed("P-256 public key must be 65 bytes"))?;
        if sec1[0] != 0x04 {
            return Err(KeyError::Malformed("P-256 public key must be uncompressed"));
        }
        Ok(EcdsaPublicKey {
            kid: KeyId::of_public_key(&sec1),
            sec1,
        })
    }

    pub fn from_xy(x: &[u8], y: &[u8]) -> Result<Self, KeyError> {
        if x.len() != 32 || y.len() != 32 {
            return Err(KeyError::Malformed("P-256 coordinates must be 32 bytes"));
        }
        let mut sec1 = [0u8; 65];
        sec1[0] = 0x04;
        sec1[1..33].copy_from_slice(x);
        sec1[33..].copy_from_slice(y);
        Self::from_sec1(&sec1)
    }

    pub fn sec1(&self) -> &[u8; 65] {
        &self.sec1
    }

    pub fn x(&self) -> &[u8] {
        &self.sec1[1..33]
    }

    pub fn y(&self) -> &[u8] {
        &self.sec1[33..]
    }

    pub fn kid(&self) -> KeyId {
        self.kid
    }

    /// ES256 over `msg` with a raw `r || s` signature (the COSE form).
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        signature::UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &self.sec1[..])
            .verify(msg, sig)
            .is_ok()
    }

    /// As a COSE_Key (EC2, P-256, ES256, RFC 9053 §7.1).
    pub fn to_cose_key(&self) -> CoseKey {
        CoseKeyBuilder::new_ec2_pub_key(
            iana::EllipticCurve::P_256,
            self.x().to_vec(),
            self.y().to_vec(),
        )
        .algorithm(iana::Algorithm::ES256)
        .build()
    }

    pub fn from_cose_key(key: &CoseKey) -> Result<Self, KeyError> {
        use coset::Label;
        let bad = KeyError::Malformed("COSE_Key is not an EC2 P-256 public key");
        if key.kty != coset::KeyType::Assigned(iana::KeyType::EC2) {
            return Err(bad);
        }
        if let Some(alg) = &key.alg
            && *alg != coset::Algorithm::Assigned(iana::Algorithm::ES256)
        {
            return Err(bad);
        }
        let get = |label: i64| {
            key.params
                .iter()
                .find(|(l, _)| *l == Label::Int(label))
                .map(|(_, v)| v)
        };
        let crv = get(iana::Ec2KeyParameter::Crv as i64).and_then(|v| v.as_integer());
        if crv != Some((iana::EllipticCurve::P_256 as i64).into()) {
            return Err(bad);
        }
        let x = get(iana::Ec2KeyParameter::X as i64).and_then(|v| v.as_bytes());
        let y = get(iana::Ec2KeyParameter::Y as i64).and_then(|v| v.as_bytes());
        match (x, y) {
            (Some(x), Some(y)) => Self::from_xy(x, y),
            _ => Err(bad),
        }
    }
}

impl std::fmt::Debug for EcdsaPublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EcdsaPublicKey({})", self.kid)
    }
}

/// An ES256 private key; the PKCS#8 document is wiped on drop.
struct SigningKey {
    pkcs8: Zeroizing<Vec<u8>>,
    pair: EcdsaKeyPair,
    public: EcdsaPublicKey,
}

impl SigningKey {
    fn generate() -> Result<Self, KeyError> {
        let rng = SystemRandom::new();
        let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|_| KeyError::Rng)?;
        Self::from_pkcs8(doc.as_ref())
    }

    fn from_pkcs8(bytes: &[u8]) -> Result<Self, KeyError> {
        let rng = SystemRandom::new();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, bytes, &rng)
            .map_err(|_| KeyError::Malformed("not a P-256 PKCS#8 private key"))?;
        let public = EcdsaPublicKey::from_sec1(pair.public_key().as_ref())?;
        Ok(SigningKey {
            pkcs8: Zeroizing::new(bytes.to_vec()),
            pair,
            public,
        })
    }

    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, KeyError> {
        let rng = SystemRandom::new();
        self.pair
            .sign(&rng, msg)
            .map(|s| s.as_ref().to_vec())
            .map_err(|_| KeyError::Sign)
    }
}

macro_rules! signing_role {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name(SigningKey);

        impl $name {
            pub fn generate() -> Result<Self, KeyError> {
                SigningKey::generate().map(Self)
            }

            pub fn from_pkcs8(bytes: &[u8]) -> Result<Self, KeyError> {
                SigningKey::from_pkcs8(bytes).map(Self)
            }

            /// The private key as PKCS#8, for the key file or the secure store.
            pub fn pkcs8(&self) -> &[u8] {
                &self.0.pkcs8
            }

            pub fn public(&self) -> &EcdsaPublicKey {
                &self.0.public
            }

            pub fn kid(&self) -> KeyId {
                self.0.public.kid
            }

            /// ES256 signature, raw `r || s`.
            pub fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, KeyError> {
                self.0.sign(msg)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0.public.kid)
            }
        }
    };
}

signing_role!(
    /// The Dukcapil issuer's signing key: signs every profile of every credential.
    IssuerKey
);
signing_role!(
    /// One phone's key, made at registration and bound at activation: signs presentations.
    DeviceKey
);

/// A verifier's HPKE public key: the app seals identity QRs to it.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifierPublicKey {
    pk: [u8; 32],
    kid: KeyId,
}

impl VerifierPublicKey {
    pub fn from_bytes(b: &[u8]) -> Result<Self, KeyError> {
        let pk: [u8; 32] = b
            .try_into()
            .map_err(|_| KeyError::Malformed("X25519 public key must be 32 bytes"))?;
        <Kem as hpke::Kem>::PublicKey::from_bytes(&pk)
            .map_err(|_| KeyError::Malformed("X25519 public key"))?;
        Ok(VerifierPublicKey {
            kid: KeyId::of_public_key(&pk),
            pk,
        })
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.pk
    }

    pub fn kid(&self) -> KeyId {
        self.kid
    }

    /// HPKE base-mode seal; returns the encapsulated key and the ciphertext.
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<(Vec<u8>, Vec<u8>), KeyError> {
        let pk = <Kem as hpke::Kem>::PublicKey::from_bytes(&self.pk).map_err(|_| KeyError::Seal)?;
        let (enc, ct) = hpke::single_shot_seal::<ChaCha20Poly1305, HkdfSha256, Kem>(
            &OpModeS::Base,
            &pk,
            HPKE_INFO,
            plaintext,
            aad,
        )
        .map_err(|_| KeyError::Seal)?;
        Ok((enc.to_bytes().to_vec(), ct))
    }
}

impl std::fmt::Debug for VerifierPublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "VerifierPublicKey({})", self.kid)
    }
}

/// A verifier's HPKE private key (wiped on drop), with its public key computed once.
pub struct VerifierSecretKey {
    sk: ReceiverKey,
    public: VerifierPublicKey,
}

impl VerifierSecretKey {
    pub fn generate() -> Self {
        let (sk, _) = Kem::gen_keypair();
        Self::from_bytes(&sk.to_bytes()).expect("a generated X25519 key is 32 bytes")
    }

    pub fn from_bytes(b: &[u8]) -> Result<Self, KeyError> {
        let sk = ReceiverKey::from_bytes(b)
            .map_err(|_| KeyError::Malformed("X25519 private key must be 32 bytes"))?;
        let pk = ReceiverKem::sk_to_pk(&sk).to_bytes();
        Ok(VerifierSecretKey {
            public: VerifierPublicKey {
                kid: KeyId::of_public_key(&pk),
                pk: pk.into(),
            },
            sk,
        })
    }

    /// The private scalar, for the verifier's key file; wiped when dropped.
    pub fn to_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.sk.to_bytes().into())
    }

    pub fn public(&self) -> &VerifierPublicKey {
        &self.public
    }

    pub fn kid(&self) -> KeyId {
        self.public.kid
    }

    /// HPKE base-mode open; `None` when the ciphertext, key or AAD does not match.
    pub fn open(&self, enc: &[u8], ct: &[u8], aad: &[u8]) -> Option<Vec<u8>> {
        self.open_with_info(HPKE_INFO, enc, ct, aad)
    }

    /// The open with any `info`: RFC 9180's own vectors use theirs.
    fn open_with_info(&self, info: &[u8], enc: &[u8], ct: &[u8], aad: &[u8]) -> Option<Vec<u8>> {
        let enc = <ReceiverKem as hpke::Kem>::EncappedKey::from_bytes(enc).ok()?;
        hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, ReceiverKem>(
            &OpModeR::Base,
            &self.sk,
            &enc,
            info,
            ct,
            aad,
        )
        .ok()
    }
}

impl std::fmt::Debug for VerifierSecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "VerifierSecretKey({})", self.public.kid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 9180 Appendix A.2.1 (base mode; DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
    /// ChaCha20Poly1305): the recipient key and the encryption with sequence number 0
    /// (a single-shot open is exactly that one), through the verifier's own open.
    #[test]
    fn rfc_9180_a_2_1_opens_through_the_verifiers_key() {
        let info = hex("4f6465206f6e2061204772656369616e2055726e");
        let sk_rm = hex("8057991eef8f1f1af18f4a9491d16a1ce333f695d4db8e38da75975c4478e0fb");
        let pk_rm = hex("4310ee97d88cc1f088a5576c77ab0cf5c3ac797f3d95139c6c84b5429c59662a");
        let enc = hex("1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a");
        let pt = hex("4265617574792069732074727574682c20747275746820626561757479");
        let aad = hex("436f756e742d30");
        let ct = hex(
            "1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db21993c62ce81883d2dd1b51a28",
        );
        let key = VerifierSecretKey::from_bytes(&sk_rm).unwrap();
        assert_eq!(key.public().as_bytes().as_slice(), pk_rm.as_slice());
        assert_eq!(key.open_with_info(&info, &enc, &ct, &aad), Some(pt.clone()));
        // DeriveKeyPair(ikmR) (RFC 9180 §7.1.3) through the receiver KEM gives the same key.
        let ikm_r = hex("1ac01f181fdf9f352797655161c58b75c656a6cc2716dcb66372da835542e1df");
        // SerializePrivateKey MUST clamp its output (RFC 9180 §7.1.2); the vector's skRm is
        // the unclamped scalar.
        let (derived, derived_pk) = <ReceiverKem as hpke::Kem>::derive_keypair(&ikm_r);
        let mut clamped = sk_rm.clone();
        clamped[0] &= 248;
        clamped[31] = (clamped[31] & 127) | 64;
        assert_eq!(derived.to_bytes().as_slice(), clamped.as_slice());
        assert_eq!(derived_pk.to_bytes().as_slice(), pk_rm.as_slice());
        // The controls: one bit of the ciphertext, the AAD, the info or enc changed.
        let mut bad_ct = ct.clone();
        bad_ct[0] ^= 1;
        assert_eq!(key.open_with_info(&info, &enc, &bad_ct, &aad), None);
        assert_eq!(key.open_with_info(&info, &enc, &ct, b"Count-1"), None);
        assert_eq!(key.open_with_info(HPKE_INFO, &enc, &ct, &aad), None);
        let mut bad_enc = enc.clone();
        bad_enc[31] ^= 1;
        assert_eq!(key.open_with_info(&info, &bad_enc, &ct, &aad), None);
        // The vector's later sequence numbers are not what a single-shot open reads.
        let ct1 = hex(
            "6b53c051e4199c518de79594e1c4ab18b96f081549d45ce015be002090bb119e85285337cc95ba5f59992dc98c",
        );
        assert_eq!(key.open_with_info(&info, &enc, &ct1, b"Count-1"), None);
    }

    /// Wycheproof `ecdsa_secp256r1_sha256_p1363_test.json` through [`EcdsaPublicKey::verify`],
    /// the one check behind both the issuer's and the device's signatures.
    #[test]
    fn wycheproof_ecdsa_p256_sha256_p1363_through_our_signature_check() {
        use wycheproof::TestResult;
        let set = wycheproof::ecdsa::TestSet::load(
            wycheproof::ecdsa::TestName::EcdsaSecp256r1Sha256P1363,
        )
        .unwrap();
        let (mut valid, mut invalid) = (0, 0);
        for group in &set.test_groups {
            let key = EcdsaPublicKey::from_sec1(&group.key.key).unwrap();
            for case in &group.tests {
                let ok = key.verify(&case.msg, &case.sig);
                match case.result {
                    TestResult::Valid => {
                        assert!(ok, "case {} ({}) refused", case.tc_id, case.comment);
                        valid += 1;
                    }
                    TestResult::Invalid => {
                        assert!(!ok, "case {} ({}) accepted", case.tc_id, case.comment);
                        invalid += 1;
                    }
                    TestResult::Acceptable => {}
                }
            }
        }
        assert!(
            valid > 100 && invalid > 50,
            "{valid} valid, {invalid} invalid"
        );
    }

    /// Wycheproof `chacha20_poly1305_test.json` through the AEAD type the HPKE open is
    /// instantiated with. The open itself cannot take an outside key and nonce (HPKE derives
    /// them); the RFC 9180 vector above covers that key schedule.
    #[test]
    fn wycheproof_chacha20_poly1305_through_the_opens_aead() {
        use aead::{AeadInOut, KeyInit};
        use wycheproof::TestResult;
        type OpenAead = <ChaCha20Poly1305 as hpke::aead::Aead>::AeadImpl;
        let set =
            wycheproof::aead::TestSet::load(wycheproof::aead::TestName::ChaCha20Poly1305).unwrap();
        let mut checked = 0;
        for group in &set.test_groups {
            for case in &group.tests {
                let Ok(cipher) = OpenAead::new_from_slice(&case.key) else {
                    continue;
                };
                let Ok(nonce) = aead::Nonce::<OpenAead>::try_from(case.nonce.as_slice()) else {
                    // Only 12-byte nonces exist in HPKE (Nn = 12, RFC 9180 §7.3).
                    assert_eq!(case.result, TestResult::Invalid, "case {}", case.tc_id);
                    continue;
                };
                let mut buf = case.ct.to_vec();
                buf.extend_from_slice(&case.tag);
                let opened = cipher.decrypt_in_place(&nonce, &case.aad, &mut buf);
                match case.result {
                    TestResult::Valid => {
                        assert!(opened.is_ok(), "case {} refused", case.tc_id);
                        assert_eq!(buf, case.pt.to_vec(), "case {}", case.tc_id);
                    }
                    TestResult::Invalid => assert!(opened.is_err(), "case {} accepted", case.tc_id),
                    TestResult::Acceptable => {}
                }
                checked += 1;
            }
        }
        assert!(checked > 250, "only {checked} cases");
    }

    #[test]
    fn es256_signatures_verify_and_keys_round_trip_through_pkcs8_and_cose() {
        let k = DeviceKey::generate().unwrap();
        let sig = k.sign(b"halo").unwrap();
        assert_eq!(sig.len(), 64);
        assert!(k.public().verify(b"halo", &sig));
        assert!(!k.public().verify(b"hal0", &sig));
        let again = DeviceKey::from_pkcs8(k.pkcs8()).unwrap();
        assert_eq!(again.public(), k.public());
        let cose = k.public().to_cose_key();
        assert_eq!(&EcdsaPublicKey::from_cose_key(&cose).unwrap(), k.public());
    }

    #[test]
    fn hpke_seals_to_the_public_key_and_opens_only_with_its_secret() {
        let v = VerifierSecretKey::generate();
        let (enc, ct) = v.public().seal(b"rahasia", b"aad").unwrap();
        assert_eq!(v.open(&enc, &ct, b"aad").unwrap(), b"rahasia");
        assert!(v.open(&enc, &ct, b"other").is_none());
        assert!(
            VerifierSecretKey::generate()
                .open(&enc, &ct, b"aad")
                .is_none()
        );
        let again = VerifierSecretKey::from_bytes(&*v.to_bytes()).unwrap();
        assert_eq!(again.kid(), v.kid());
    }

    #[test]
    fn key_ids_are_stable_base64url() {
        let k = IssuerKey::generate().unwrap();
        let s = k.kid().to_string();
        assert_eq!(s.len(), 11);
        assert_eq!(KeyId::parse(&s), Some(k.kid()));
        assert!(!format!("{k:?}").contains("pkcs8"));
    }
}
