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
    let json = Bytes::from(doc.to_json().unwrap_or_else(|e| {
        tracing::error!(error = %e, "OpenAPI document not rendered");
        "{}".to_owned()
    }));
    // `Bytes` clones by reference count: no copy of the document per request.
    Router::new().route(
        PATH,
        get(move || {
            let json = json.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], json) }
        }),
    )
}
