//! JSON request bodies → the API types' `Deserialize` (the domain types validate in
//! `serde(try_from)`). The first byte picks the type; what parses must write JSON that
//! parses again (where the type can be written at all).
#![no_main]
use ikd_core::api;
use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Bodies with secrets (PIN) have no `Serialize` on purpose: only parsed.
fn parse<T: DeserializeOwned>(json: &[u8]) {
    let _ = serde_json::from_slice::<T>(json);
}

fn round_trip<T: DeserializeOwned + Serialize>(json: &[u8]) {
    if let Ok(v) = serde_json::from_slice::<T>(json) {
        let text = serde_json::to_vec(&v).expect("serialises");
        serde_json::from_slice::<T>(&text).expect("its own JSON parses");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((which, json)) = data.split_first() else {
        return;
    };
    match which % 9 {
        0 => round_trip::<api::StartRegistration>(json),
        1 => round_trip::<api::Activate>(json),
        2 => parse::<api::SetPin>(json),
        3 => parse::<api::Login>(json),
        4 => parse::<api::ChangePin>(json),
        5 => round_trip::<api::VerifyQr>(json),
        6 => round_trip::<api::OfficerLogin>(json),
        7 => round_trip::<api::ScanRegistration>(json),
        _ => round_trip::<api::OfficerDecision>(json),
    }
});
