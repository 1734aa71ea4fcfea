//! QR codes as inline SVG: crisp at any size, so one render serves a phone screen held up
//! to a counter webcam and a desktop window alike.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// The error-correction level the app draws with, chosen by measurement: through
/// `qrscan.py`'s simulated camera (blur, tilt, noise, low contrast, JPEG), each identity QR
/// at L was read 12 of 12 at the same or a smaller width than at M, by zbar and by the
/// console's decoder (README, "The identity QR through a camera"): at a given width a
/// lower version's larger modules help more than M's extra parity.
const ECC: EcLevel = EcLevel::L;

/// An SVG of `text` at least `min_px` wide, with the quiet zone scanners need. `None` only
/// if the text cannot fit in a QR code (the app's texts always fit).
pub fn svg(text: &str, min_px: u32) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), ECC).ok()?;
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
    let code = QrCode::with_error_correction_level(text.as_bytes(), ECC).ok()?;
    let dark = code
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    Some((code.width(), dark))
}

// One decoder for every picture (ikd-core `scan`): the console's camera loop and upload,
// the operator's CLI and the desktop test read what the others read.
pub use ikd_core::scan::{MAX_SCAN_BYTES, ScanError, decode_image, decode_picture};

#[cfg(test)]
mod tests {
    use super::*;

    /// Rasterises the modules the app draws (4 px each, quiet zone of 4) and decodes them.
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
    fn a_registration_and_an_identity_sized_qr_decode_to_their_text() {
        let reg = "IKDREG1:00112233445566778899aabbccddeeff.0123456789abcdef0123456789abcdef";
        assert_eq!(decode(reg), reg);
        let long = format!("IKD2:{}", "A1B2C3D4E5".repeat(90));
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
