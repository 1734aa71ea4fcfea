//! `ikd-server nik <NIK>`.

use std::process::ExitCode;

use ikd_core::{Lang, Nik, UserError};
use serde_json::json;

use super::{now_unix, print_json};

pub fn run(input: &str) -> ExitCode {
    match Nik::parse(input) {
        Ok(nik) => {
            let today = time::OffsetDateTime::from_unix_timestamp(now_unix())
                .map(|t| t.date())
                .unwrap_or(time::Date::MIN);
            let region = nik.region();
            let level = |r: Option<ikd_core::region::Region>| match r {
                Some(r) => json!({ "code": r.code, "name": r.name, "current": r.current }),
                None => serde_json::Value::Null,
            };
            let born = nik.birth_date(today);
            print_json(
                &json!({
                    "nik": nik.as_str(),
                    "province": level(region.map(|d| d.province)),
                    "regency": level(region.map(|d| d.regency)),
                    "district": level(region.map(|d| d.district)),
                    "birth_date": format!("{:04}-{:02}-{:02}", born.year(), u8::from(born.month()), born.day()),
                    "sex": nik.sex().label(Lang::Id),
                    "serial": format!("{:04}", nik.serial()),
                }),
                true,
            )
        }
        Err(e) => print_json(&json!({ "error": e.body() }), false),
    }
}
