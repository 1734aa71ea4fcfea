//! QR codes as inline SVG: crisp at any size, so one render serves a phone screen held up
//! to a counter webcam and a desktop window alike.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// An SVG of `text` at least `min_px` wide, with the quiet zone scanners need. `None` only
/// if the text cannot fit in a QR code (the app's texts always fit).
pub fn svg(text: &str, min_px: u32) -> Option<String> {
    // M: the identity QR is dense (≈ 1 kB); M keeps modules large enough to scan from a
    // phone screen while surviving a smudge or a glare spot.
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    Some(
        code.render::<svg::Color>()
            .min_dimensions(min_px, min_px)
            .quiet_zone(true)
            .dark_color(svg::Color("#000000"))
            .light_color(svg::Color("#ffffff"))
            .build(),
    )
}

/// The module matrix (dark = true), for tests that decode what the app shows.
pub fn modules(text: &str) -> Option<(usize, Vec<bool>)> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let dark = code
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    Some((code.width(), dark))
}

/// Largest picture the officer's scanner accepts (an upload or a camera frame).
pub const MAX_SCAN_BYTES: usize = 8 * 1024 * 1024;
/// Pictures are scaled down to this many pixels on the long side before detection: a
/// phone photo of a screen keeps its modules several pixels wide, and rqrr stays fast.
const SCAN_SIDE: u32 = 1600;

/// Why a picture gave no QR text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    #[error("SCAN_TOO_LARGE")]
    TooLarge,
    #[error("SCAN_NOT_AN_IMAGE")]
    NotAnImage,
    #[error("SCAN_NO_QR")]
    NoQr,
}

impl ScanError {
    pub fn code(self) -> &'static str {
        match self {
            ScanError::TooLarge => "SCAN_TOO_LARGE",
            ScanError::NotAnImage => "SCAN_NOT_AN_IMAGE",
            ScanError::NoQr => "SCAN_NO_QR",
        }
    }

    pub fn message(self, lang: ikd_core::Lang) -> &'static str {
        let (id, en) = match self {
            ScanError::TooLarge => (
                "Gambar terlalu besar (maksimal 8 MB). Potong gambar di sekitar kode QR lalu coba lagi.",
                "The picture is too large (8 MB at most). Crop it around the QR code and try again.",
            ),
            ScanError::NotAnImage => (
                "Berkas ini bukan gambar JPEG atau PNG. Pilih tangkapan layar atau foto kode QR.",
                "This file is not a JPEG or PNG picture. Choose a screenshot or photo of the QR code.",
            ),
            ScanError::NoQr => (
                "Tidak ada kode QR yang terbaca di gambar ini. Pastikan seluruh kode QR terlihat jelas, lalu coba lagi.",
                "No QR code could be read in this picture. Make sure the whole QR code is sharp and visible, then try again.",
            ),
        };
        crate::i18n::t(lang, id, en)
    }
}

/// The text of the first QR code found in a JPEG or PNG picture.
pub fn decode_image(bytes: &[u8]) -> Result<String, ScanError> {
    if bytes.len() > MAX_SCAN_BYTES {
        return Err(ScanError::TooLarge);
    }
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| ScanError::NotAnImage)?;
    // A small file can still claim a huge canvas: bound the decoded size too.
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(8192);
    limits.max_image_height = Some(8192);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    decode_picture(reader.decode().map_err(|_| ScanError::NotAnImage)?)
}

/// The text of the first QR code found in a decoded picture (a screenshot, a frame).
pub fn decode_picture(picture: image::DynamicImage) -> Result<String, ScanError> {
    let picture = if picture.width().max(picture.height()) > SCAN_SIDE {
        picture.resize(SCAN_SIDE, SCAN_SIDE, image::imageops::FilterType::Triangle)
    } else {
        picture
    };
    let mut prepared = rqrr::PreparedImage::prepare(picture.to_luma8());
    prepared
        .detect_grids()
        .into_iter()
        .find_map(|g| g.decode().ok().map(|(_, text)| text))
        .ok_or(ScanError::NoQr)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rasterises the modules (4 px each, quiet zone of 4) and decodes with rqrr.
    fn decode(text: &str) -> String {
        let (width, dark) = modules(text).unwrap();
        let (scale, quiet) = (4, 4);
        let side = (width + 2 * quiet) * scale;
        let img = image::GrayImage::from_fn(side as u32, side as u32, |x, y| {
            let (mx, my) = (x as usize / scale, y as usize / scale);
            let inside =
                (quiet..quiet + width).contains(&mx) && (quiet..quiet + width).contains(&my);
            let is_dark = inside && dark[(my - quiet) * width + (mx - quiet)];
            image::Luma([if is_dark { 0 } else { 255 }])
        });
        let mut png = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        decode_image(&png).unwrap()
    }

    #[test]
    fn pictures_without_a_qr_or_that_are_not_pictures_are_refused_with_a_reason() {
        assert_eq!(decode_image(b"not a picture"), Err(ScanError::NotAnImage));
        let blank = image::GrayImage::from_pixel(200, 200, image::Luma([255]));
        let mut png = Vec::new();
        blank
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        assert_eq!(decode_image(&png), Err(ScanError::NoQr));
        let face = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/data/faces/one-face-astronaut.jpg"
        ))
        .unwrap();
        assert_eq!(decode_image(&face), Err(ScanError::NoQr));
        assert_eq!(
            decode_image(&vec![0u8; MAX_SCAN_BYTES + 1]),
            Err(ScanError::TooLarge)
        );
    }

    #[test]
    fn a_registration_and_an_identity_sized_qr_decode_to_their_text() {
        let reg = "IKDREG1:00112233445566778899aabbccddeeff.0123456789abcdef0123456789abcdef";
        assert_eq!(decode(reg), reg);
        let long = format!("IKD1:{}", "A1B2C3D4E5".repeat(90));
        assert_eq!(decode(&long), long);
    }

    #[test]
    fn the_svg_is_at_least_the_asked_size() {
        let s = svg("IKDREG1:ab.cd", 280).unwrap();
        assert!(s.starts_with("<?xml") || s.starts_with("<svg"), "{s}");
        let width: u32 = s
            .split("width=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .and_then(|w| w.parse().ok())
            .unwrap();
        assert!(width >= 280);
    }
}
