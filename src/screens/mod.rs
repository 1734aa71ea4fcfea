//! One screen per file, in the order of the citizen's flow.

mod activation;
mod consent;
mod data_entry;
mod forgot_pin;
pub mod home;
mod login;
mod notice;
mod officer_qr;
mod selfie;
pub(crate) mod set_pin;
mod welcome;

pub use activation::Activation;
pub use consent::Consent;
pub use data_entry::DataEntry;
pub use forgot_pin::LupaPin;
pub use home::{
    DataSaya, Dokumen, HomeLayout, KkDigital, KtpCard, KtpDigital, Pengaturan, Riwayat, UbahKontak,
};
pub use login::Login;
pub use notice::Notice;
pub use officer_qr::OfficerQr;
pub use selfie::Selfie;
pub use set_pin::SetPin;
pub use welcome::Welcome;
