//! Automatic checks on a registration selfie, before an officer sees it: it decodes, its
//! dimensions are usable, it is neither too dark nor too bright, it is sharp, and rustface
//! finds exactly one face. Results go back to the app with advice in the citizen's words.

use std::sync::OnceLock;

use ikd_core::Lang;
use ikd_core::api::SelfieCheck;
use image::{DynamicImage, GrayImage};

use crate::error::{Error, Result};

/// Upload limit; larger files are refused before decoding.
pub const MAX_BYTES: usize = 2 * 1024 * 1024;
const MIN_SIDE: u32 = 240;
const MAX_SIDE: u32 = 4096;
/// Largest canvas decoded at all, px a side: beyond [`MAX_SIDE`] the dimension check
/// explains the refusal; beyond this the picture is not decoded.
pub const MAX_DECODE_SIDE: u32 = 2 * MAX_SIDE;
/// Largest allocation while decoding one picture, bytes.
pub const MAX_DECODE_ALLOC: u64 = 256 * 1024 * 1024;
/// Longest side of a registry photo as stored: a KTP-el photo is printed at 2×3 cm, about
/// 240×360 px at 300 dpi, and an officer compares it on a screen.
pub const REGISTRY_SIDE: u32 = 640;
/// Mean luminance (0–255) a usable portrait falls within.
const EXPOSURE: std::ops::RangeInclusive<f64> = 45.0..=215.0;
/// Variance of the Laplacian on the 320-px working copy; below this the photo is blurred.
const MIN_SHARPNESS: f64 = 20.0;
/// Detector settings the test images' face counts were measured with.
const MIN_FACE: u32 = 40;
const SCORE_THRESHOLD: f64 = 2.0;

/// The face model shipped with rustface (BSD-2-Clause, see data/rustface).
static MODEL_BYTES: &[u8] = include_bytes!("../data/rustface/seeta_fd_frontal_v1.0.bin");

fn model() -> Result<rustface::Model> {
    static MODEL: OnceLock<Option<rustface::Model>> = OnceLock::new();
    MODEL
        .get_or_init(|| rustface::read_model(MODEL_BYTES).ok())
        .clone()
        .ok_or_else(|| Error::internal("face model failed to load"))
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub accepted: bool,
    pub checks: Vec<SelfieCheck>,
    /// Faces found (for the officer's review).
    pub faces: usize,
}

fn check(name: &str, passed: bool, lang: Lang, id: &str, en: &str) -> SelfieCheck {
    SelfieCheck {
        check: name.to_owned(),
        passed,
        advice: (!passed).then(|| match lang {
            Lang::Id => id.to_owned(),
            Lang::En => en.to_owned(),
        }),
    }
}

/// Decodes a JPEG or PNG **the right way up** ([`ikd_core::scan::decode_upright`]), so a
/// portrait stored as turned pixels plus `Orientation = 6` is checked as the person saw it.
/// At most [`MAX_DECODE_SIDE`] px a side ([`Error::SelfieTooManyPixels`] beyond) and
/// [`MAX_DECODE_ALLOC`] bytes while decoding.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage> {
    use ikd_core::scan::{PictureError, decode_upright};
    decode_upright(bytes, MAX_DECODE_SIDE, MAX_DECODE_ALLOC).map_err(|e| match e {
        PictureError::TooManyPixels => Error::SelfieTooManyPixels,
        PictureError::Undecodable => Error::SelfieUndecodable,
    })
}

/// What the registry keeps of a checked photo: JPEG (quality 90), the right way up, at most
/// [`REGISTRY_SIDE`] px a side. The file's own metadata (EXIF: place, camera, time) is
/// not carried over.
pub fn registry_jpeg(img: &DynamicImage) -> Result<Vec<u8>> {
    let img = if img.width().max(img.height()) > REGISTRY_SIDE {
        img.resize(
            REGISTRY_SIDE,
            REGISTRY_SIDE,
            image::imageops::FilterType::Triangle,
        )
    } else {
        img.clone()
    };
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img.to_rgb8())
        .map_err(Error::internal)?;
    Ok(out)
}

/// Variance of the 4-neighbour Laplacian: low for a blurred or flat picture.
fn sharpness(g: &GrayImage) -> f64 {
    let (w, h) = g.dimensions();
    if w < 3 || h < 3 {
        return 0.0;
    }
    let (mut sum, mut sq, mut n) = (0.0, 0.0, 0.0);
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let p = |dx: i32, dy: i32| {
                f64::from(g.get_pixel((x as i32 + dx) as u32, (y as i32 + dy) as u32)[0])
            };
            let l = p(-1, 0) + p(1, 0) + p(0, -1) + p(0, 1) - 4.0 * p(0, 0);
            sum += l;
            sq += l * l;
            n += 1.0;
        }
    }
    let mean = sum / n;
    sq / n - mean * mean
}

fn count_faces(g: &GrayImage) -> Result<usize> {
    let mut detector = rustface::create_detector_with_model(model()?);
    detector.set_min_face_size(MIN_FACE);
    detector.set_score_thresh(SCORE_THRESHOLD);
    detector.set_pyramid_scale_factor(0.8);
    detector.set_slide_window_step(4, 4);
    let faces = detector.detect(&rustface::ImageData::new(g.as_raw(), g.width(), g.height()));
    Ok(faces.len())
}

/// Runs every check. An undecodable or oversized file is an error (nothing to check);
/// anything else is an outcome with the checks that failed.
pub fn check_selfie(bytes: &[u8], lang: Lang) -> Result<Outcome> {
    if bytes.len() > MAX_BYTES {
        return Err(Error::SelfieTooLarge);
    }
    check_image(&decode(bytes)?, lang)
}

/// [`check_selfie`], and what is kept of an accepted selfie: [`registry_jpeg`] of the
/// upright picture, so the officer sees it the right way up in any viewer and no EXIF
/// (place, time, camera) is stored.
///
/// # Errors
/// As [`check_selfie`].
pub fn check_and_keep(bytes: &[u8], lang: Lang) -> Result<(Outcome, Option<Vec<u8>>)> {
    if bytes.len() > MAX_BYTES {
        return Err(Error::SelfieTooLarge);
    }
    let img = decode(bytes)?;
    let outcome = check_image(&img, lang)?;
    let kept = if outcome.accepted {
        Some(registry_jpeg(&img)?)
    } else {
        None
    };
    Ok((outcome, kept))
}

/// The checks of [`check_selfie`] on a picture already decoded the right way up.
pub fn check_image(img: &DynamicImage, lang: Lang) -> Result<Outcome> {
    let (w, h) = (img.width(), img.height());
    let dims_ok = (MIN_SIDE..=MAX_SIDE).contains(&w) && (MIN_SIDE..=MAX_SIDE).contains(&h);
    // Work on a copy at most 640 px wide: enough for a face of 40 px, fast on a phone photo.
    let resized;
    let work = if w > 640 {
        resized = img.resize(
            640,
            640 * h / w.max(1),
            image::imageops::FilterType::Triangle,
        );
        &resized
    } else {
        img
    };
    let gray = work.to_luma8();
    let mean = gray.as_raw().iter().map(|p| f64::from(*p)).sum::<f64>()
        / gray.as_raw().len().max(1) as f64;
    let small = image::imageops::resize(
        &gray,
        320,
        320 * gray.height() / gray.width().max(1),
        image::imageops::FilterType::Triangle,
    );
    let sharp = sharpness(&small);
    let faces = count_faces(&gray)?;
    let checks = vec![
        check("decodes", true, lang, "", ""),
        check(
            "dimensions",
            dims_ok,
            lang,
            "Foto terlalu kecil atau terlalu besar. Gunakan kamera depan dengan resolusi normal.",
            "The photo is too small or too large. Use the front camera at its normal resolution.",
        ),
        check(
            "exposure",
            EXPOSURE.contains(&mean),
            lang,
            "Foto terlalu gelap atau terlalu terang. Cari tempat dengan cahaya merata, jangan membelakangi lampu.",
            "The photo is too dark or too bright. Find even light and do not stand with a light behind you.",
        ),
        check(
            "sharpness",
            sharp >= MIN_SHARPNESS,
            lang,
            "Foto buram. Pegang ponsel dengan stabil lalu ambil ulang.",
            "The photo is blurred. Hold the phone steady and take it again.",
        ),
        check(
            "one_face",
            faces == 1,
            lang,
            if faces == 0 {
                "Wajah tidak terdeteksi. Hadapkan wajah ke kamera tanpa masker atau kacamata."
            } else {
                "Terdeteksi lebih dari satu wajah. Pastikan hanya Anda yang ada di foto."
            },
            if faces == 0 {
                "No face found. Face the camera without a mask or glasses."
            } else {
                "More than one face found. Make sure only you are in the photo."
            },
        ),
    ];
    Ok(Outcome {
        accepted: checks.iter().all(|c| c.passed),
        checks,
        faces,
    })
}

/// Pictures as phones store them, for tests here and in the service's integration tests
/// (feature `test-hooks`, which only test builds turn on).
#[cfg(any(test, feature = "test-hooks"))]
#[allow(clippy::unwrap_used)] // test helper: a failure is a test failure
pub mod testing {
    /// Mean absolute difference per channel (0–255) of two pictures of one size: small
    /// between a picture and its re-encoded copy, large against a turned copy.
    pub fn mean_abs_diff(a: &image::DynamicImage, b: &image::DynamicImage) -> f64 {
        let (a, b) = (a.to_rgb8(), b.to_rgb8());
        assert_eq!(a.dimensions(), b.dimensions());
        let sum: u64 = a
            .as_raw()
            .iter()
            .zip(b.as_raw())
            .map(|(x, y)| u64::from(x.abs_diff(*y)))
            .sum();
        sum as f64 / a.as_raw().len() as f64
    }

    /// `upright` stored as a phone stores it: the pixels turned so that applying the EXIF
    /// `orientation` (1–8) shows them upright, and that tag in the JPEG's EXIF block.
    pub fn as_phone_stores(upright: &[u8], orientation: u16) -> Vec<u8> {
        use image::ImageEncoder as _;
        let img = image::load_from_memory(upright).unwrap().to_rgb8();
        let stored = match orientation {
            3 => image::imageops::rotate180(&img),
            6 => image::imageops::rotate270(&img),
            8 => image::imageops::rotate90(&img),
            _ => img,
        };
        // A big-endian TIFF header and one IFD entry: 0x0112 Orientation, SHORT, 1 value.
        let mut exif = b"MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01".to_vec();
        exif.extend_from_slice(&orientation.to_be_bytes());
        exif.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        let mut out = Vec::new();
        let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92);
        enc.set_exif_metadata(exif).unwrap();
        enc.write_image(
            stored.as_raw(),
            stored.width(),
            stored.height(),
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
        out
    }
}

#[cfg(test)]
mod tests {
    use image::ImageDecoder as _;

    use super::testing::as_phone_stores;
    use super::*;

    fn face(name: &str) -> Vec<u8> {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures")
                .join(name),
        )
        .unwrap()
    }

    #[test]
    fn a_portrait_with_one_face_passes_every_check() {
        for f in ["one-face-astronaut.jpg", "one-face-camera.png"] {
            let o = check_selfie(&face(f), Lang::Id).unwrap();
            assert!(o.accepted, "{f}: {:?}", o.checks);
            assert_eq!(o.faces, 1);
        }
    }

    #[test]
    fn a_portrait_stored_turned_with_its_exif_orientation_passes_as_if_upright() {
        let upright = face("one-face-astronaut.jpg");
        for orientation in [3u16, 6, 8] {
            let stored = as_phone_stores(&upright, orientation);
            let o = check_selfie(&stored, Lang::Id).unwrap();
            assert!(o.accepted, "orientation {orientation}: {:?}", o.checks);
            assert_eq!(o.faces, 1);
            // The control: the same turned pixels without the tag have no upright face.
            let bare = image::load_from_memory(&stored).unwrap();
            let mut png = std::io::Cursor::new(Vec::new());
            bare.write_to(&mut png, image::ImageFormat::Png).unwrap();
            let o = check_selfie(png.get_ref(), Lang::Id).unwrap();
            assert_eq!(o.faces, 0, "orientation {orientation} without EXIF");
        }
    }

    #[test]
    fn the_registry_copy_is_an_upright_jpeg_without_the_files_exif() {
        let stored = as_phone_stores(&face("one-face-astronaut.jpg"), 6);
        let kept = registry_jpeg(&decode(&stored).unwrap()).unwrap();
        let mut d = image::codecs::jpeg::JpegDecoder::new(std::io::Cursor::new(&kept)).unwrap();
        assert_eq!(d.exif_metadata().unwrap(), None);
        let img = image::load_from_memory(&kept).unwrap();
        assert_eq!((img.width(), img.height()), (512, 512));
        assert_eq!(check_selfie(&kept, Lang::Id).unwrap().faces, 1);
    }

    #[test]
    fn an_accepted_selfie_is_kept_upright_without_its_exif_and_a_refused_one_is_not_kept() {
        for orientation in [3u16, 6, 8] {
            let stored = as_phone_stores(&face("one-face-astronaut.jpg"), orientation);
            let (outcome, kept) = check_and_keep(&stored, Lang::Id).unwrap();
            assert!(outcome.accepted, "orientation {orientation}");
            let kept = kept.unwrap();
            let mut d = image::codecs::jpeg::JpegDecoder::new(std::io::Cursor::new(&kept)).unwrap();
            assert_eq!(d.exif_metadata().unwrap(), None);
            // Upright as pixels: close to the upright original, far from it turned.
            let upright = image::load_from_memory(&face("one-face-astronaut.jpg")).unwrap();
            let kept = image::load_from_memory(&kept).unwrap();
            assert!(
                super::testing::mean_abs_diff(&kept, &upright) < 6.0,
                "{orientation}"
            );
            assert!(super::testing::mean_abs_diff(&kept, &upright.rotate90()) > 20.0);
        }
        let (outcome, kept) = check_and_keep(&face("two-faces.png"), Lang::Id).unwrap();
        assert!(!outcome.accepted);
        assert_eq!(kept, None);
    }

    #[test]
    fn a_canvas_beyond_the_pixel_limit_has_its_own_error_and_is_not_decoded() {
        let png = |w: u32, h: u32| {
            let mut out = std::io::Cursor::new(Vec::new());
            image::GrayImage::from_pixel(w, h, image::Luma([128]))
                .write_to(&mut out, image::ImageFormat::Png)
                .unwrap();
            out.into_inner()
        };
        // A few kilobytes that claim 8193 px a side.
        let wide = png(MAX_DECODE_SIDE + 1, 1);
        assert!(wide.len() < 10_000);
        assert!(matches!(
            check_selfie(&wide, Lang::Id),
            Err(Error::SelfieTooManyPixels)
        ));
        // The control: at the limit it decodes, and the dimension check explains the refusal.
        let o = check_selfie(&png(MAX_DECODE_SIDE, 1), Lang::Id).unwrap();
        assert!(!o.accepted);
        assert!(
            o.checks
                .iter()
                .any(|c| c.check == "dimensions" && !c.passed)
        );
    }

    #[test]
    fn no_face_or_two_faces_is_refused_with_advice() {
        for (f, n) in [
            ("no-face-coffee.png", 0),
            ("no-face-cat.png", 0),
            ("two-faces.png", 2),
        ] {
            let o = check_selfie(&face(f), Lang::En).unwrap();
            assert!(!o.accepted, "{f}");
            assert_eq!(o.faces, n, "{f}");
            let c = o.checks.iter().find(|c| c.check == "one_face").unwrap();
            assert!(!c.passed && c.advice.as_deref().unwrap().contains("face"));
        }
    }

    #[test]
    fn a_flat_grey_picture_fails_sharpness_and_faces() {
        let img = image::GrayImage::from_pixel(400, 400, image::Luma([128]));
        let mut png = std::io::Cursor::new(Vec::new());
        img.write_to(&mut png, image::ImageFormat::Png).unwrap();
        let o = check_selfie(png.get_ref(), Lang::Id).unwrap();
        assert!(!o.accepted);
        assert!(
            !o.checks
                .iter()
                .find(|c| c.check == "sharpness")
                .unwrap()
                .passed
        );
    }

    #[test]
    fn garbage_and_oversized_uploads_are_errors() {
        assert!(matches!(
            check_selfie(b"not an image", Lang::Id),
            Err(Error::SelfieUndecodable)
        ));
        assert!(matches!(
            check_selfie(&vec![0u8; MAX_BYTES + 1], Lang::Id),
            Err(Error::SelfieTooLarge)
        ));
    }
}
