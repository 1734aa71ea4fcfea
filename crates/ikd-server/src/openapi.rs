//! `GET /api/openapi.json`: the OpenAPI 3.1 document of every route, generated from the
//! handlers' `#[utoipa::path]` attributes and the ikd-core types' schemas.

use axum::Router;
use axum::body::Bytes;
use axum::http::header;
use axum::routing::get;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{OpenApi, RefOr};
use utoipa::{Modify, PartialSchema, ToSchema};

use crate::app::AppState;

pub const PATH: &str = "/api/openapi.json";

#[derive(Debug, utoipa::OpenApi)]
#[openapi(
    info(
        title = "IKD — Dukcapil service",
        description = "Identitas Kependudukan Digital: registration assisted by an officer, \
            activation, sign-in with device key and PIN, the citizen's records, credentials \
            and online verification of identity QRs. Every error body is \
            `{\"error\": {\"code\", \"message\", \"message_en\"}}` with a stable code.",
    ),
    modifiers(&BearerSchemes),
    tags(
        (name = "registration", description = "The citizen's side of registration"),
        (name = "officer", description = "The officer at the counter"),
        (name = "activation", description = "Emailed code, captcha and first PIN"),
        (name = "auth", description = "Citizen sign-in and account"),
        (name = "citizen", description = "The signed-in citizen's records"),
        (name = "verification", description = "Keys, credentials and QR verification"),
        (name = "operations", description = "Health, readiness, metrics"),
    )
)]
pub struct ApiDoc;

/// The three kinds of bearer secret: a registration's secret, a citizen session, an
/// officer session.
#[derive(Debug)]
struct BearerSchemes;

impl Modify for BearerSchemes {
    fn modify(&self, doc: &mut OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        for (name, what) in [
            (
                "registration",
                "The `secret` answered when the registration started",
            ),
            ("citizen", "A citizen session token (POST /api/v1/login)"),
            (
                "officer",
                "An officer session token (POST /api/v1/officer/login)",
            ),
        ] {
            let mut http = Http::new(HttpAuthScheme::Bearer);
            http.description = Some(what.to_owned());
            components.add_security_scheme(name, SecurityScheme::Http(http));
        }
    }
}

/// Image bytes in a request or response body (the selfie, the registry photo).
#[derive(Debug)]
pub struct Image;

impl PartialSchema for Image {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .description(Some("JPEG or PNG bytes"))
            .into()
    }
}
impl ToSchema for Image {}

/// Serves `doc` as rendered once at start-up; the document is part of the API, so it is
/// listed in itself.
pub fn router(doc: &OpenApi) -> Router<AppState> {
    let mut doc = doc.clone();
    doc.paths.add_path_operation(
        PATH,
        vec![utoipa::openapi::HttpMethod::Get],
        utoipa::openapi::path::OperationBuilder::new()
            .tag("operations")
            .summary(Some("This document"))
            .response(
                "200",
                utoipa::openapi::ResponseBuilder::new()
                    .description("OpenAPI 3.1")
                    .content(
                        "application/json",
                        utoipa::openapi::ContentBuilder::new().build(),
                    ),
            ),
    );
    let json = Bytes::from(
        serde_json::to_value(&doc)
            .map(|mut v| {
                complete(&mut v);
                v.to_string()
            })
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "OpenAPI document not rendered");
                "{}".to_owned()
            }),
    );
    // `Bytes` clones by reference count: no copy of the document per request.
    Router::new().route(
        PATH,
        get(move || {
            let json = json.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], json) }
        }),
    )
}

/// The PINs `Pin::parse` refuses as trivial (PIN_TRIVIAL): one digit six times, and the
/// straight runs up and down.
pub fn trivial_pins() -> Vec<String> {
    let digit = |d: u8| char::from(b'0' + d);
    let mut pins: Vec<String> = (0..10).map(|d| digit(d).to_string().repeat(6)).collect();
    pins.extend((0..=4).map(|s| (s..s + 6).map(digit).collect::<String>()));
    pins.extend((5..=9).map(|s| (s - 5..=s).rev().map(digit).collect::<String>()));
    pins
}

/// What the derives cannot say, added to the rendered document so that a schema-driven
/// client (schemathesis in CI) finds the document and the service in agreement:
/// - the domain strings' own rules (trivial PINs, the email subset, the registration QR,
///   the device key), and `format: nik` for the NIK, whose rules (a district code from the
///   registry of regions, a real birth date) no pattern can state;
/// - a rejection needs a reason (`if`/`then`);
/// - the answers every operation of a kind can give: 413 and 422 for a JSON body (the
///   `ApiJson` extractor), 401 for a bearer-secured one.
fn complete(doc: &mut serde_json::Value) {
    use serde_json::json;
    let schemas = &mut doc["components"]["schemas"];
    schemas["Pin"]["not"] = json!({ "enum": trivial_pins() });
    schemas["Nik"]["format"] = json!("nik");
    schemas["Email"]["maxLength"] = json!(254);
    // A subset of what `Email::parse` takes (dot-atom local part of at most 64, labels of
    // at most 63, an alphabetic TLD), small enough to say as one pattern.
    schemas["Email"]["pattern"] = json!(
        "^[A-Za-z0-9_+-]{1,20}(\\.[A-Za-z0-9_+-]{1,20}){0,2}@([A-Za-z0-9]([A-Za-z0-9-]{0,20}[A-Za-z0-9])?\\.){1,3}[A-Za-z]{2,10}$"
    );
    let reg_qr = json!({
        "type": "string",
        "pattern": "^IKDREG1:[0-9A-Fa-f]{32}\\.[0-9A-Fa-f]{32}$",
        "description": "The registration QR's text, as the officer's scanner read it.",
    });
    schemas["ScanRegistration"]["properties"]["qr"] = reg_qr.clone();
    schemas["OfficerDecision"]["properties"]["qr"] = reg_qr;
    let max_reason = crate::routes::MAX_REASON;
    // The counter's and the remote queue's decisions follow the same rules.
    for decision in ["OfficerDecision", "RemoteDecision"] {
        schemas[decision]["properties"]["reason"]["maxLength"] = json!(max_reason);
        schemas[decision]["if"] = json!({ "properties": { "approve": { "const": false } } });
        schemas[decision]["then"] = json!({
            "required": ["reason"],
            "properties": { "reason": { "type": "string", "pattern": "\\S", "maxLength": max_reason } },
        });
    }
    // Closing an account needs the resident's confirmation.
    schemas["CloseAccount"]["properties"]["confirm"]["const"] = json!(true);
    // SEC1 uncompressed (0x04, then x and y: 65 bytes), base64url without padding.
    schemas["StartRegistration"]["properties"]["device_public_key"]["pattern"] =
        json!("^B[A-Za-z0-9_-]{86}$");
    // And a point on P-256, which no pattern can state (a schema-driven client registers a
    // generator for this format; scripts/apifuzz/hooks.py does).
    schemas["StartRegistration"]["properties"]["device_public_key"]["format"] = json!("p256-sec1");
    // Any text gets a verdict: one longer than a version-40 QR holds (4 296 characters) is
    // `valid: false` with QR_ENCODING, never decoded.
    schemas["VerifyQr"]["properties"]["qr"]["description"] = json!(
        "The identity QR's text (`IKD2:`…). Over 4 296 characters: valid false, QR_ENCODING."
    );

    let error = json!({ "$ref": "#/components/schemas/ApiError" });
    let answer = |description: &str| json!({ "description": description, "content": { "application/json": { "schema": error.clone() } } });
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for operation in paths
        .values_mut()
        .filter_map(|p| p.as_object_mut())
        .flat_map(|p| p.values_mut())
    {
        let json_body = operation["requestBody"]["content"]
            .get("application/json")
            .is_some();
        let secured = operation["security"]
            .as_array()
            .is_some_and(|s| !s.is_empty());
        let Some(responses) = operation["responses"].as_object_mut() else {
            continue;
        };
        if json_body {
            responses
                .entry("413")
                .or_insert_with(|| answer("The body is larger than 16 KiB (REQUEST_TOO_LARGE)"));
            responses.entry("422").or_insert_with(|| {
                answer(
                    "The body is not JSON of this shape, or a field is invalid; the code names it",
                )
            });
        }
        if secured {
            responses
                .entry("401")
                .or_insert_with(|| answer("No bearer token, or not a valid one (UNAUTHORIZED)"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_trivial_pins_are_exactly_those_the_parser_refuses() {
        let refused: Vec<String> = (0..1_000_000)
            .map(|n| format!("{n:06}"))
            .filter(|p| {
                matches!(
                    ikd_core::Pin::parse(p),
                    Err(ikd_core::secret::PinError::Trivial)
                )
            })
            .collect();
        let mut documented = trivial_pins();
        documented.sort();
        assert_eq!(documented, refused);
    }
}
