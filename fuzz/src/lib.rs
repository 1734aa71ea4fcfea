//! What the fuzz targets share: the verifier of the committed QR vectors (their keys and
//! the time the valid cases were made at).

use std::sync::LazyLock;

use ikd_core::crypto::{KeyId, VerifierKeyFile};
use ikd_core::wire::Verifier;

static VECTORS: LazyLock<serde_json::Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../crates/ikd-core/vectors/qr.json"))
        .expect("the committed vectors parse")
});

fn key_file() -> VerifierKeyFile {
    serde_json::from_value(VECTORS["keys"].clone()).expect("the vectors' key file")
}

/// The key id of the vectors' HPKE key, which their presentations are addressed to.
pub static VERIFIER_KID: LazyLock<KeyId> =
    LazyLock::new(|| key_file().decryption_keys[0].kid());

/// The verifier of `crates/ikd-core/vectors/qr.json`: its issuer and HPKE keys.
pub static VERIFIER: LazyLock<Verifier> = LazyLock::new(|| {
    Verifier::from_key_file(key_file())
});

/// The unix time of the first vector, at which the valid presentations are fresh.
pub static AT: LazyLock<i64> =
    LazyLock::new(|| VECTORS["cases"][0]["at"].as_i64().expect("at"));
