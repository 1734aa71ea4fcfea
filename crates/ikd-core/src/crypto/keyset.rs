//! The keys a verifier trusts, in the JSON published at `/.well-known/ikd-keys`, and the
//! verifier's own key file (the published set plus its HPKE private keys).
//!
//! Every entry is checked as it is read: a key id that does not match its key, or a point
//! that is not on the curve, never becomes a key.

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::keys::{EcdsaPublicKey, HPKE_SUITE, KeyId, VerifierPublicKey, VerifierSecretKey};
use super::{KeyError, b64u};

/// An issuer verification key and until when credentials signed by it may be accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "IssuerJwk", into = "IssuerJwk")]
pub struct IssuerPublicKey {
    pub key: EcdsaPublicKey,
    /// Unix seconds after which no credential of this key is valid (set on rotation).
    pub not_after: Option<i64>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct IssuerJwk {
    kid: KeyId,
    kty: String,
    crv: String,
    alg: String,
    x: String,
    y: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    not_after: Option<i64>,
}

impl TryFrom<IssuerJwk> for IssuerPublicKey {
    type Error = KeyError;
    fn try_from(j: IssuerJwk) -> Result<Self, KeyError> {
        if j.kty != "EC" || j.crv != "P-256" || j.alg != "ES256" {
            return Err(KeyError::Malformed("issuer key must be EC P-256 ES256"));
        }
        let x = b64u::decode(&j.x).ok_or(KeyError::Malformed("x is not base64url"))?;
        let y = b64u::decode(&j.y).ok_or(KeyError::Malformed("y is not base64url"))?;
        let key = EcdsaPublicKey::from_xy(&x, &y)?;
        if key.kid() != j.kid {
            return Err(KeyError::KeyIdMismatch);
        }
        Ok(IssuerPublicKey {
            key,
            not_after: j.not_after,
        })
    }
}

impl From<IssuerPublicKey> for IssuerJwk {
    fn from(k: IssuerPublicKey) -> Self {
        IssuerJwk {
            kid: k.key.kid(),
            kty: "EC".into(),
            crv: "P-256".into(),
            alg: "ES256".into(),
            x: b64u::encode(k.key.x()),
            y: b64u::encode(k.key.y()),
            not_after: k.not_after,
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifierJwk {
    kid: KeyId,
    suite: String,
    pk: String,
}

impl TryFrom<VerifierJwk> for VerifierPublicKey {
    type Error = KeyError;
    fn try_from(j: VerifierJwk) -> Result<Self, KeyError> {
        if j.suite != HPKE_SUITE {
            return Err(KeyError::Malformed("unsupported HPKE suite"));
        }
        let pk = b64u::decode(&j.pk).ok_or(KeyError::Malformed("pk is not base64url"))?;
        let key = VerifierPublicKey::from_bytes(&pk)?;
        if key.kid() != j.kid {
            return Err(KeyError::KeyIdMismatch);
        }
        Ok(key)
    }
}

impl From<VerifierPublicKey> for VerifierJwk {
    fn from(k: VerifierPublicKey) -> Self {
        VerifierJwk {
            kid: k.kid(),
            suite: HPKE_SUITE.into(),
            pk: b64u::encode(k.as_bytes()),
        }
    }
}

impl Serialize for VerifierPublicKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        VerifierJwk::from(self.clone()).serialize(s)
    }
}

impl<'de> Deserialize<'de> for VerifierPublicKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        VerifierJwk::deserialize(d)?
            .try_into()
            .map_err(serde::de::Error::custom)
    }
}

/// The public keys the service publishes: issuers (to check credentials) and verifiers
/// (for the app to seal QRs to).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeySet {
    pub issuers: Vec<IssuerPublicKey>,
    pub verifiers: Vec<VerifierPublicKey>,
}

impl KeySet {
    pub fn issuer(&self, kid: KeyId) -> Option<&IssuerPublicKey> {
        self.issuers.iter().find(|k| k.key.kid() == kid)
    }

    pub fn verifier(&self, kid: KeyId) -> Option<&VerifierPublicKey> {
        self.verifiers.iter().find(|k| k.kid() == kid)
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretJwk {
    kid: KeyId,
    suite: String,
    sk: Zeroizing<String>,
}

impl Serialize for VerifierSecretKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        SecretJwk {
            kid: self.kid(),
            suite: HPKE_SUITE.into(),
            sk: Zeroizing::new(b64u::encode(&*self.to_bytes())),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for VerifierSecretKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let j = SecretJwk::deserialize(d)?;
        if j.suite != HPKE_SUITE {
            return Err(D::Error::custom("unsupported HPKE suite"));
        }
        let sk = Zeroizing::new(
            b64u::decode(&j.sk).ok_or_else(|| D::Error::custom("sk is not base64url"))?,
        );
        let key = VerifierSecretKey::from_bytes(&sk).map_err(D::Error::custom)?;
        if key.kid() != j.kid {
            return Err(D::Error::custom(KeyError::KeyIdMismatch));
        }
        Ok(key)
    }
}

/// What an offline verifier holds: the issuer keys it trusts and its decryption keys.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifierKeyFile {
    pub issuers: Vec<IssuerPublicKey>,
    pub decryption_keys: Vec<VerifierSecretKey>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::IssuerKey;

    #[test]
    fn a_published_key_set_round_trips_and_refuses_a_wrong_kid() {
        let issuer = IssuerKey::generate().unwrap();
        let verifier = VerifierSecretKey::generate();
        let set = KeySet {
            issuers: vec![IssuerPublicKey {
                key: issuer.public().clone(),
                not_after: None,
            }],
            verifiers: vec![verifier.public().clone()],
        };
        let json = serde_json::to_string(&set).unwrap();
        assert!(json.contains("\"alg\":\"ES256\""));
        let back: KeySet = serde_json::from_str(&json).unwrap();
        assert_eq!(back, set);
        assert!(back.issuer(issuer.kid()).is_some());

        let other = IssuerKey::generate().unwrap().kid().to_string();
        let forged = json.replacen(&issuer.kid().to_string(), &other, 1);
        assert!(serde_json::from_str::<KeySet>(&forged).is_err());
    }

    #[test]
    fn a_verifier_key_file_keeps_the_secret_and_checks_it() {
        let file = VerifierKeyFile {
            issuers: vec![],
            decryption_keys: vec![VerifierSecretKey::generate()],
        };
        let json = serde_json::to_string(&file).unwrap();
        let back: VerifierKeyFile = serde_json::from_str(&json).unwrap();
        assert_eq!(back.decryption_keys[0].kid(), file.decryption_keys[0].kid());
    }
}
