//! Reading a QR code from a picture: an uploaded photo or screenshot, a camera frame. One
//! decoder for every path (the officer console's camera loop and upload, the operator's
//! `ikd-server qr decode-image`, the desktop test), so what one reads, all read.
//!
//! The decoder is rxing, the Rust port of ZXing, with `TryHarder`: measured with
//! `../shared/tools/qrscan.py` on camera-like pictures (blur, tilt, noise, low contrast,
//! JPEG), it reads codes that rqrr, the decoder used before, never read (README, "The
//! identity QR through a camera").

use crate::error::{Lang, UserError, tr};

/// Largest picture accepted (an upload or a camera frame), in bytes.
pub const MAX_SCAN_BYTES: usize = 8 * 1024 * 1024;
/// Largest decoded canvas, in pixels per side: a small file can claim a huge one. A 12 MP
/// phone photo (4032 × 3024) fits.
const MAX_SIDE: u32 = 4096;
/// Largest allocation while decoding: a 4096 × 4096 RGB canvas is 48 MiB.
const MAX_ALLOC: u64 = 64 * 1024 * 1024;
/// Pictures are scaled down to this many pixels on the long side first: a phone photo of
/// a screen keeps its modules several pixels wide, and the decoder's time stays bounded.
const SCAN_SIDE: u32 = 1600;

/// Why a picture gave no QR text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    #[error("the picture is larger than 8 MB")]
    TooLarge,
    #[error("the file is not a JPEG or PNG picture")]
    NotAnImage,
    #[error("the picture has more than 4096 pixels a side")]
    TooManyPixels,
    #[error("no QR code was read in the picture")]
    NoQr,
}

impl UserError for ScanError {
    fn code(&self) -> &'static str {
        match self {
            ScanError::TooLarge => "SCAN_TOO_LARGE",
            ScanError::NotAnImage => "SCAN_NOT_AN_IMAGE",
            ScanError::TooManyPixels => "SCAN_TOO_MANY_PIXELS",
            ScanError::NoQr => "SCAN_NO_QR",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match self {
            ScanError::TooLarge => tr(
                lang,
                "Gambar terlalu besar (maksimal 8 MB). Potong gambar di sekitar kode QR lalu coba lagi.",
                "The picture is too large (8 MB at most). Crop it around the QR code and try again.",
            ),
            ScanError::NotAnImage => tr(
                lang,
                "Berkas ini bukan gambar JPEG atau PNG. Pilih tangkapan layar atau foto kode QR.",
                "This file is not a JPEG or PNG picture. Choose a screenshot or photo of the QR code.",
            ),
            ScanError::TooManyPixels => tr(
                lang,
                "Resolusi gambar terlalu besar (maksimal 4096 piksel per sisi). Potong atau perkecil gambar di sekitar kode QR lalu coba lagi.",
                "The picture's resolution is too high (4096 pixels a side at most). Crop or shrink it around the QR code and try again.",
            ),
            ScanError::NoQr => tr(
                lang,
                "Tidak ada kode QR yang terbaca di gambar ini. Pastikan seluruh kode QR terlihat jelas, lalu coba lagi.",
                "No QR code could be read in this picture. Make sure the whole QR code is sharp and visible, then try again.",
            ),
        }
    }
}

/// The text of the QR code in a JPEG or PNG picture of at most [`MAX_SCAN_BYTES`], read
/// the right way up: the EXIF orientation is applied first, since a mirrored code (EXIF 2,
/// 4, 5, 7) cannot be read at all.
///
/// # Errors
/// [`ScanError::TooLarge`], [`ScanError::TooManyPixels`] (a canvas over 4096 px a side or
/// 64 MiB while decoding), [`ScanError::NotAnImage`], [`ScanError::NoQr`].
pub fn decode_image(bytes: &[u8]) -> Result<String, ScanError> {
    if bytes.len() > MAX_SCAN_BYTES {
        return Err(ScanError::TooLarge);
    }
    let picture = decode_upright(bytes, MAX_SIDE, MAX_ALLOC).map_err(|e| match e {
        PictureError::TooManyPixels => ScanError::TooManyPixels,
        PictureError::Undecodable => ScanError::NotAnImage,
    })?;
    decode_picture(&picture)
}

/// Why [`decode_upright`] gave no picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PictureError {
    /// Not a JPEG or PNG, or broken.
    Undecodable,
    /// A canvas over the side limit, or more than the allocation limit to decode.
    TooManyPixels,
}

/// Decodes a JPEG or PNG **the right way up**: the EXIF orientation a phone or scanner
/// wrote is applied (a broken EXIF block counts as none, as viewers do). The canvas is
/// refused before decoding beyond `max_side` px a side, and decoding stops at `max_alloc`
/// bytes: a small file can claim a huge canvas. Every path that reads a picture (QR
/// pictures here, the service's selfies and registry photos) comes through this.
///
/// # Errors
/// [`PictureError`].
pub fn decode_upright(
    bytes: &[u8],
    max_side: u32,
    max_alloc: u64,
) -> Result<image::DynamicImage, PictureError> {
    use image::ImageDecoder as _;
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| PictureError::Undecodable)?;
    if !matches!(
        reader.format(),
        Some(image::ImageFormat::Jpeg | image::ImageFormat::Png)
    ) {
        return Err(PictureError::Undecodable);
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(max_side);
    limits.max_image_height = Some(max_side);
    limits.max_alloc = Some(max_alloc);
    reader.limits(limits);
    let limit_or_undecodable = |e: image::ImageError| match e {
        image::ImageError::Limits(_) => PictureError::TooManyPixels,
        _ => PictureError::Undecodable,
    };
    let mut decoder = reader.into_decoder().map_err(limit_or_undecodable)?;
    let (w, h) = decoder.dimensions();
    if w > max_side || h > max_side {
        return Err(PictureError::TooManyPixels);
    }
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut picture = image::DynamicImage::from_decoder(decoder).map_err(limit_or_undecodable)?;
    picture.apply_orientation(orientation);
    Ok(picture)
}

/// The text of the QR code in a decoded picture (a screenshot, a camera frame).
///
/// # Errors
/// [`ScanError::NoQr`] when none is read.
pub fn decode_picture(picture: &image::DynamicImage) -> Result<String, ScanError> {
    // Grey first (one byte a pixel), then the integer thumbnail filter: no float copy of
    // a large picture is made.
    let luma = picture.to_luma8();
    let luma = if luma.width().max(luma.height()) > SCAN_SIDE {
        image::DynamicImage::ImageLuma8(luma)
            .thumbnail(SCAN_SIDE, SCAN_SIDE)
            .to_luma8()
    } else {
        luma
    };
    decode_luma(&luma).ok_or(ScanError::NoQr)
}

/// The text of the QR code in a grey picture, if one is read.
pub fn decode_luma(luma: &image::GrayImage) -> Option<String> {
    let (width, height) = luma.dimensions();
    if width == 0 || height == 0 {
        return None;
    }
    let mut hints = rxing::DecodeHints {
        TryHarder: Some(true),
        ..Default::default()
    };
    // rxing has panicked on crafted pictures before (index out of bounds): a picture the
    // officer is shown must not take the console down, so a panic is read as "no QR".
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rxing::helpers::detect_in_luma_slice_with_hints(
            luma.as_raw(),
            width,
            height,
            Some(rxing::BarcodeFormat::QR_CODE),
            &mut hints,
        )
        .ok()
        .map(|r| r.getText().to_owned())
    }))
    .ok()
    .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(img: &image::GrayImage) -> Vec<u8> {
        let mut png = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        png
    }

    /// `text` as a QR drawn `scale` px a module with a 4-module quiet zone, as PNG bytes.
    fn png_of(text: &str, scale: u32) -> Vec<u8> {
        let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::L).unwrap();
        let (width, colors) = (code.width() as u32, code.to_colors());
        let side = (width + 8) * scale;
        let img = image::GrayImage::from_fn(side, side, |x, y| {
            let (mx, my) = ((x / scale).wrapping_sub(4), (y / scale).wrapping_sub(4));
            let dark = mx < width
                && my < width
                && colors[(my * width + mx) as usize] == qrcode::Color::Dark;
            image::Luma([if dark { 0 } else { 255 }])
        });
        png(&img)
    }

    #[test]
    fn a_registration_and_an_identity_sized_qr_decode_to_their_text() {
        let reg = "IKDREG1:00112233445566778899aabbccddeeff.0123456789abcdef0123456789abcdef";
        assert_eq!(decode_image(&png_of(reg, 4)).unwrap(), reg);
        let long = format!("IKD2:{}", "A1B2C3D4E5".repeat(120));
        assert_eq!(decode_image(&png_of(&long, 3)).unwrap(), long);
    }

    #[test]
    fn pictures_without_a_qr_or_that_are_not_pictures_are_refused_with_a_reason() {
        assert_eq!(decode_image(b"not a picture"), Err(ScanError::NotAnImage));
        let blank = image::GrayImage::from_pixel(200, 200, image::Luma([255]));
        assert_eq!(decode_image(&png(&blank)), Err(ScanError::NoQr));
        assert_eq!(
            decode_image(&vec![0u8; MAX_SCAN_BYTES + 1]),
            Err(ScanError::TooLarge)
        );
        for e in [ScanError::TooLarge, ScanError::NotAnImage, ScanError::NoQr] {
            assert!(e.code().starts_with("SCAN_"));
            assert_ne!(e.message(Lang::Id), e.message(Lang::En));
        }
    }

    #[test]
    fn a_canvas_larger_than_the_limit_is_refused_before_it_is_decoded() {
        // A PNG 5000 px wide in a few hundred bytes: its own code, not "not a picture".
        let wide = image::GrayImage::from_pixel(5000, 1, image::Luma([255]));
        assert_eq!(decode_image(&png(&wide)), Err(ScanError::TooManyPixels));
        // The control: 4096 px a side is still read.
        let edge = image::GrayImage::from_pixel(4096, 1, image::Luma([255]));
        assert_eq!(decode_image(&png(&edge)), Err(ScanError::NoQr));
        let e = ScanError::TooManyPixels;
        assert_eq!(e.code(), "SCAN_TOO_MANY_PIXELS");
        assert!(e.message(Lang::Id).contains("4096"));
    }

    /// `upright` as a phone stores a photo: pixels turned (or mirrored) so that applying
    /// EXIF `orientation` shows them upright, with that tag in the JPEG's EXIF block.
    fn jpeg_as_phone_stores(upright: &image::GrayImage, orientation: u16) -> Vec<u8> {
        use image::ImageEncoder as _;
        use image::imageops::{flip_horizontal, flip_vertical, rotate90, rotate180, rotate270};
        let stored = match orientation {
            2 => flip_horizontal(upright),
            3 => rotate180(upright),
            4 => flip_vertical(upright),
            5 => rotate90(&flip_horizontal(upright)),
            6 => rotate270(upright),
            7 => rotate270(&flip_horizontal(upright)),
            8 => rotate90(upright),
            _ => upright.clone(),
        };
        // Big-endian TIFF header, one IFD entry: 0x0112 Orientation, SHORT, 1 value.
        let mut exif = b"MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01".to_vec();
        exif.extend_from_slice(&orientation.to_be_bytes());
        exif.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        let mut out = Vec::new();
        let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95);
        enc.set_exif_metadata(exif).unwrap();
        enc.write_image(
            stored.as_raw(),
            stored.width(),
            stored.height(),
            image::ExtendedColorType::L8,
        )
        .unwrap();
        out
    }

    #[test]
    fn a_photo_of_a_qr_is_read_the_right_way_up_whatever_its_exif_orientation() {
        let text = "IKDREG1:00112233445566778899aabbccddeeff.0123456789abcdef0123456789abcdef";
        let upright = image::load_from_memory(&png_of(text, 4))
            .unwrap()
            .to_luma8();
        for orientation in 1..=8u16 {
            let stored = jpeg_as_phone_stores(&upright, orientation);
            assert_eq!(
                decode_image(&stored).as_deref(),
                Ok(text),
                "orientation {orientation}"
            );
        }
    }
}
