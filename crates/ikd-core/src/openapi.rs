//! OpenAPI schemas for the types whose JSON form is not their Rust shape: validated strings
//! (a NIK is a string on the wire, checked on the way in) and records that serialise
//! through their `…Fields` struct. The rest derive `ToSchema` where they are declared.

use std::borrow::Cow;

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::{PartialSchema, ToSchema};

use crate::contact::{Email, PhoneNumber};
use crate::kk::NomorKk;
use crate::nik::Nik;
use crate::records::{BerlakuHingga, KartuKeluarga, KartuKeluargaFields, Ktp, KtpFields, Photo};
use crate::secret::{ActivationCode, Pin};

fn string(description: &str, pattern: Option<&str>, example: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .pattern(pattern)
        .examples([example])
        .into()
}

/// A validated string type: its schema and its name in `components.schemas`.
macro_rules! string_schema {
    ($ty:ty, $description:expr, $pattern:expr, $example:expr) => {
        impl PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                string($description, $pattern, $example)
            }
        }
        impl ToSchema for $ty {}
    };
}

string_schema!(
    Nik,
    "Nomor Induk Kependudukan: district code, birth date (day + 40 for women), serial.",
    Some("^[0-9]{16}$"),
    "3171011708450001"
);
string_schema!(
    NomorKk,
    "Nomor Kartu Keluarga.",
    Some("^[0-9]{16}$"),
    "3171010101200001"
);
string_schema!(Email, "Email address.", None, "budi@contoh.co.id");
string_schema!(
    PhoneNumber,
    "Indonesian mobile number; 08… or +628… accepted, answered in E.164.",
    Some(r"^(\+62|0)8[1-9][0-9]{7,10}$"),
    "+6281234567890"
);
string_schema!(
    Pin,
    "Six digits; not all the same, not a straight run.",
    Some("^[0-9]{6}$"),
    "902417"
);
string_schema!(
    ActivationCode,
    "The six-digit code from the activation email.",
    Some("^[0-9]{6}$"),
    "531906"
);

impl PartialSchema for Photo {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Byte)))
            .description(Some("JPEG or PNG, base64."))
            .into()
    }
}
impl ToSchema for Photo {}

impl PartialSchema for BerlakuHingga {
    fn schema() -> RefOr<Schema> {
        let for_life = ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(["seumur_hidup"]));
        let until = ObjectBuilder::new()
            .schema_type(Type::Object)
            .property(
                "tanggal",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date))),
            )
            .required("tanggal");
        utoipa::openapi::schema::OneOfBuilder::new()
            .item(for_life)
            .item(until)
            .description(Some("Valid for life, or until a date."))
            .into()
    }
}
impl ToSchema for BerlakuHingga {}

/// Records checked as a whole (NIK against sex and birth date) have the JSON shape of their
/// fields struct.
macro_rules! schema_as {
    ($ty:ty, $fields:ty) => {
        impl PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                <$fields as PartialSchema>::schema()
            }
        }
        impl ToSchema for $ty {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($ty))
            }
            fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
                <$fields as ToSchema>::schemas(schemas);
            }
        }
    };
}

schema_as!(Ktp, KtpFields);
schema_as!(KartuKeluarga, KartuKeluargaFields);
