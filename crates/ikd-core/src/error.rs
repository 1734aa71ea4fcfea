//! What every refusal looks like to a person: a stable code for programs and a message in
//! Bahasa Indonesia (first) and English.

use serde::{Deserialize, Serialize};

/// The languages the product speaks. Bahasa Indonesia is the default everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Id,
    En,
}

impl Lang {
    /// Reads a language tag such as `en`, `en-US` or `id-ID`; anything else is Indonesian.
    pub fn from_tag(tag: &str) -> Self {
        if tag.trim().to_ascii_lowercase().starts_with("en") {
            Lang::En
        } else {
            Lang::Id
        }
    }
}

/// An error that can be shown to a citizen, an officer or an operator.
pub trait UserError: std::error::Error {
    /// Stable, upper-case code (`NIK_LENGTH`); never changes once published.
    fn code(&self) -> &'static str;
    /// The message in the given language, saying what is wrong and what to do next.
    fn message(&self, lang: Lang) -> String;

    /// The JSON body used by the service and the CLI.
    fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code().to_owned(),
            message: self.message(Lang::Id),
            message_en: self.message(Lang::En),
        }
    }
}

/// `{"code", "message", "message_en"}`: the wire form of a [`UserError`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub code: String,
    /// Bahasa Indonesia.
    pub message: String,
    pub message_en: String,
}

impl ErrorBody {
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Id => &self.message,
            Lang::En => &self.message_en,
        }
    }
}

/// Picks the message of the language asked for; keeps the two texts side by side in code.
pub(crate) fn tr(lang: Lang, id: impl Into<String>, en: impl Into<String>) -> String {
    match lang {
        Lang::Id => id.into(),
        Lang::En => en.into(),
    }
}
