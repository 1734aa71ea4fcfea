//! DHKEM(X25519, HKDF-SHA256) for the verifier's side, with the recipient's public key kept
//! beside its private key.
//!
//! RFC 9180 §4.1 puts pk(skR) into every decapsulation's `kem_context`. The hpke crate's
//! own X25519 KEM recomputes it from the private key on each open: a base-point
//! multiplication, about a tenth of a whole QR verify. A verifier holds its key for months,
//! so it computes pk(skR) once, here. Everything else stays the hpke crate's (DH result
//! check aside, it is the same few lines as its `decap`): the labelled HKDF, the key
//! schedule and the AEAD. The KEM id is the standard one, so nothing on the wire changes;
//! the tests open what the crate's own KEM sealed, and the JSON test vectors (sealed with
//! it) still verify.

use hpke::hybrid_array::typenum::U32;
use hpke::kdf::{HkdfSha256, Kdf as _};
use hpke::kem::{Kem, SharedSecret, X25519HkdfSha256};
use hpke::{Deserializable, HpkeError, Serializable};
use subtle::{Choice, ConstantTimeEq};

/// The standard KEM this one is interchangeable with.
pub(crate) type StandardKem = X25519HkdfSha256;
type PublicKey = <StandardKem as Kem>::PublicKey;

/// `"KEM" || I2OSP(kem_id, 2)`, RFC 9180 §4.1.
const SUITE_ID: [u8; 5] = {
    let id = <StandardKem as Kem>::KEM_ID.to_be_bytes();
    [b'K', b'E', b'M', id[0], id[1]]
};

/// The receiving half of DHKEM(X25519, HKDF-SHA256); base mode only.
pub(crate) struct ReceiverKem;

/// An X25519 private key (clamped, wiped on drop by x25519-dalek) and its public key.
#[derive(Clone)]
pub(crate) struct ReceiverKey {
    sk: x25519_dalek::StaticSecret,
    pk: PublicKey,
}

impl ReceiverKey {
    /// X25519(sk, `their_public`) (RFC 7748 §5), or `None` for the all-zero result:
    /// "Senders and recipients MUST check whether the shared secret is the all-zero value"
    /// (RFC 9180 §7.1.4). The result is wiped on drop.
    pub(crate) fn diffie_hellman(
        &self,
        their_public: &[u8; 32],
    ) -> Option<x25519_dalek::SharedSecret> {
        let dh = self
            .sk
            .diffie_hellman(&x25519_dalek::PublicKey::from(*their_public));
        (!bool::from(dh.as_bytes().ct_eq(&[0u8; 32]))).then_some(dh)
    }
}

impl ConstantTimeEq for ReceiverKey {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.sk.as_bytes().ct_eq(other.sk.as_bytes())
    }
}

impl Serializable for ReceiverKey {
    type OutputSize = U32;

    fn write_exact(&self, buf: &mut [u8]) {
        buf.copy_from_slice(self.sk.as_bytes());
    }
}

impl Deserializable for ReceiverKey {
    /// Clamps its input, as RFC 9180 §7.1.2 asks of DeserializePrivateKey.
    fn from_bytes(encoded: &[u8]) -> Result<Self, HpkeError> {
        let mut scalar: [u8; 32] = encoded
            .try_into()
            .map_err(|_| HpkeError::IncorrectInputLength(32, encoded.len()))?;
        scalar[0] &= 248;
        scalar[31] &= 127;
        scalar[31] |= 64;
        let sk = x25519_dalek::StaticSecret::from(scalar);
        zeroize::Zeroize::zeroize(&mut scalar);
        let pk = PublicKey::from_bytes(x25519_dalek::PublicKey::from(&sk).as_bytes())?;
        Ok(ReceiverKey { sk, pk })
    }
}

impl Kem for ReceiverKem {
    type PublicKey = PublicKey;
    type PrivateKey = ReceiverKey;
    type EncappedKey = <StandardKem as Kem>::EncappedKey;
    type NSecret = <StandardKem as Kem>::NSecret;
    const KEM_ID: u16 = <StandardKem as Kem>::KEM_ID;

    fn sk_to_pk(sk: &ReceiverKey) -> PublicKey {
        sk.pk.clone()
    }

    fn derive_keypair(ikm: &[u8]) -> (ReceiverKey, PublicKey) {
        let (sk, _) = StandardKem::derive_keypair(ikm);
        let key = ReceiverKey::from_bytes(&sk.to_bytes())
            .expect("a 32-byte X25519 key always deserialises");
        let pk = key.pk.clone();
        (key, pk)
    }

    fn decap(
        sk_recip: &ReceiverKey,
        pk_sender_id: Option<&PublicKey>,
        encapped_key: &Self::EncappedKey,
    ) -> Result<SharedSecret<Self>, HpkeError> {
        if pk_sender_id.is_some() {
            return Err(HpkeError::DecapError);
        }
        let enc: [u8; 32] = encapped_key.to_bytes().into();
        let dh = sk_recip.diffie_hellman(&enc).ok_or(HpkeError::DecapError)?;
        let mut kem_context = [0u8; 64];
        kem_context[..32].copy_from_slice(&enc);
        kem_context[32..].copy_from_slice(&sk_recip.pk.to_bytes());
        let mut shared = SharedSecret::<Self>::default();
        HkdfSha256::extract_and_expand(dh.as_bytes(), &SUITE_ID, &kem_context, &mut shared.0)?;
        Ok(shared)
    }

    fn encap_with_rng(
        pk_recip: &PublicKey,
        sender_id_keypair: Option<(&ReceiverKey, &PublicKey)>,
        csprng: &mut impl hpke::rand_core::CryptoRng,
    ) -> Result<(SharedSecret<Self>, Self::EncappedKey), HpkeError> {
        if sender_id_keypair.is_some() {
            return Err(HpkeError::EncapError);
        }
        let (shared, enc) = StandardKem::encap_with_rng(pk_recip, None, csprng)?;
        Ok((SharedSecret(shared.0), enc))
    }
}

#[cfg(test)]
mod tests {
    use hpke::aead::ChaCha20Poly1305;
    use hpke::{OpModeR, OpModeS};

    use super::*;

    const INFO: &[u8] = b"test info";

    fn seal_standard(pk: &PublicKey, msg: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let (enc, ct) = hpke::single_shot_seal::<ChaCha20Poly1305, HkdfSha256, StandardKem>(
            &OpModeS::Base,
            pk,
            INFO,
            msg,
            b"aad",
        )
        .unwrap();
        (enc.to_bytes().to_vec(), ct)
    }

    fn open_with<K: Kem>(sk: &K::PrivateKey, enc: &[u8], ct: &[u8], aad: &[u8]) -> Option<Vec<u8>> {
        let enc = K::EncappedKey::from_bytes(enc).ok()?;
        hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, K>(
            &OpModeR::Base,
            sk,
            &enc,
            INFO,
            ct,
            aad,
        )
        .ok()
    }

    #[test]
    fn opens_what_the_standard_kem_sealed_and_agrees_with_it_on_every_refusal() {
        for i in 0..32u8 {
            let (std_sk, std_pk) = StandardKem::derive_keypair(&[i; 32]);
            let (sk, pk) = ReceiverKem::derive_keypair(&[i; 32]);
            assert_eq!(pk, std_pk);
            assert_eq!(sk.to_bytes(), std_sk.to_bytes());
            let msg = vec![i; 100 + usize::from(i)];
            let (enc, ct) = seal_standard(&pk, &msg);
            assert_eq!(open_with::<ReceiverKem>(&sk, &enc, &ct, b"aad"), Some(msg));
            assert_eq!(open_with::<ReceiverKem>(&sk, &enc, &ct, b"other aad"), None);
            let mut bad_enc = enc.clone();
            bad_enc[usize::from(i)] ^= 1;
            assert_eq!(open_with::<ReceiverKem>(&sk, &bad_enc, &ct, b"aad"), None);
            assert_eq!(
                open_with::<StandardKem>(&std_sk, &bad_enc, &ct, b"aad"),
                None
            );
            let (other, _) = ReceiverKem::derive_keypair(&[i.wrapping_add(1); 32]);
            assert_eq!(open_with::<ReceiverKem>(&other, &enc, &ct, b"aad"), None);
        }
    }

    #[test]
    fn an_all_zero_shared_secret_is_refused() {
        // The identity point (u = 0) gives DH = 0 for every private key.
        let (sk, _) = ReceiverKem::derive_keypair(&[7; 32]);
        let enc = <ReceiverKem as Kem>::EncappedKey::from_bytes(&[0u8; 32]).unwrap();
        assert!(matches!(
            ReceiverKem::decap(&sk, None, &enc),
            Err(HpkeError::DecapError)
        ));
    }

    /// Every Wycheproof X25519 case (`x25519_test.json`: RFC 7748 vectors, twist points,
    /// non-canonical and low-order public keys) through the receiver's own DH: a valid case
    /// gives its shared secret; an all-zero one is refused, as RFC 9180 §7.1.4 asks.
    #[test]
    fn wycheproof_x25519_through_the_receivers_dh() {
        use wycheproof::TestResult;
        let set = wycheproof::xdh::TestSet::load(wycheproof::xdh::TestName::X25519).unwrap();
        let mut checked = 0;
        for group in &set.test_groups {
            for case in &group.tests {
                let id = case.tc_id;
                let public: [u8; 32] = match case.public_key.as_slice().try_into() {
                    Ok(p) => p,
                    // A public key of another length never becomes an `enc`: the envelope's
                    // EncappedKey takes exactly 32 bytes.
                    Err(_) => {
                        assert!(
                            <ReceiverKem as Kem>::EncappedKey::from_bytes(&case.public_key)
                                .is_err(),
                            "case {id}"
                        );
                        continue;
                    }
                };
                let key = ReceiverKey::from_bytes(&case.private_key).unwrap();
                let got = key.diffie_hellman(&public);
                let zero = case.shared_secret.iter().all(|b| *b == 0);
                match (&case.result, zero) {
                    (_, true) => assert!(got.is_none(), "case {id}: all-zero secret accepted"),
                    (TestResult::Valid | TestResult::Acceptable, false) => assert_eq!(
                        got.map(|g| g.to_bytes().to_vec()),
                        Some(case.shared_secret.to_vec()),
                        "case {id} ({})",
                        case.comment
                    ),
                    (TestResult::Invalid, false) => {
                        assert_ne!(
                            got.map(|g| g.to_bytes().to_vec()),
                            Some(case.shared_secret.to_vec()),
                            "case {id}"
                        )
                    }
                }
                checked += 1;
            }
        }
        assert!(checked > 500, "only {checked} cases");
    }

    #[test]
    fn private_keys_are_clamped_and_survive_a_round_trip() {
        let key = ReceiverKey::from_bytes(&[0xff; 32]).unwrap();
        let bytes = key.to_bytes();
        assert_eq!(bytes[0] & 7, 0);
        assert_eq!(bytes[31] & 0xc0, 0x40);
        let again = ReceiverKey::from_bytes(&bytes).unwrap();
        assert!(bool::from(again.ct_eq(&key)));
        assert!(ReceiverKey::from_bytes(&[1; 31]).is_err());
    }
}
