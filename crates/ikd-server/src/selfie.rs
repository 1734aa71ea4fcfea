//! Automatic checks on a registration selfie, before an officer sees it: it decodes, its
//! dimensions are usable, it is neither too dark nor too bright, it is sharp, and rustface
//! finds exactly one face. Results go back to the app with advice in the citizen's words.

use std::sync::OnceLock;

use ikd_core::Lang;
use ikd_core::api::SelfieCheck;
use image::{DynamicImage, GrayImage, ImageReader, Limits};

use crate::error::{Error, Result};

/// Upload limit; larger files are refused before decoding.
pub const MAX_BYTES: usize = 2 * 1024 * 1024;
const MIN_SIDE: u32 = 240;
const MAX_SIDE: u32 = 4096;
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

fn decode(bytes: &[u8]) -> Result<DynamicImage> {
    let mut reader = ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| Error::SelfieUndecodable)?;
    if !matches!(
        reader.format(),
        Some(image::ImageFormat::Jpeg | image::ImageFormat::Png)
    ) {
        return Err(Error::SelfieUndecodable);
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE * 2);
    limits.max_image_height = Some(MAX_SIDE * 2);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    reader.decode().map_err(|_| Error::SelfieUndecodable)
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
    let img = decode(bytes)?;
    let (w, h) = (img.width(), img.height());
    let dims_ok = (MIN_SIDE..=MAX_SIDE).contains(&w) && (MIN_SIDE..=MAX_SIDE).contains(&h);
    // Work on a copy at most 640 px wide: enough for a face of 40 px, fast on a phone photo.
    let work = if w > 640 {
        img.resize(
            640,
            640 * h / w.max(1),
            image::imageops::FilterType::Triangle,
        )
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

#[cfg(test)]
mod tests {
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
