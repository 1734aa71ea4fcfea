//! Face-like portraits for **synthetic** residents only (the ones `seed` makes), drawn from
//! the NIK. Red background for even birth years and blue for odd ones, as on the KTP-el.
//! The registry calls this (handed in by `AppState::registry_photo`) only for a row marked
//! synthetic that has no photo yet; an imported resident has its own photo or none.

use ikd_core::{Nik, Sex};
use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};

use super::Rng;
use crate::error::{Error, Result};

const W: u32 = 240;
const H: u32 = 320;

fn ellipse(img: &mut RgbImage, cx: f32, cy: f32, rx: f32, ry: f32, c: Rgb<u8>) {
    let (x0, x1) = (
        (cx - rx).max(0.0) as u32,
        (cx + rx).min(W as f32 - 1.0) as u32,
    );
    let (y0, y1) = (
        (cy - ry).max(0.0) as u32,
        (cy + ry).min(H as f32 - 1.0) as u32,
    );
    for y in y0..=y1 {
        for x in x0..=x1 {
            let (dx, dy) = ((x as f32 - cx) / rx, (y as f32 - cy) / ry);
            if dx * dx + dy * dy <= 1.0 {
                img.put_pixel(x, y, c);
            }
        }
    }
}

/// JPEG bytes of the portrait for `nik`.
pub fn render(nik: &Nik) -> Result<Vec<u8>> {
    let seed = nik
        .as_str()
        .bytes()
        .fold(0u64, |a, b| a.wrapping_mul(131).wrapping_add(u64::from(b)));
    let mut rng = Rng::new(seed);
    let year_odd = nik.as_str()[10..12].parse::<u32>().unwrap_or_default() % 2 == 1;
    let bg = if year_odd {
        Rgb([32, 84, 170])
    } else {
        Rgb([196, 40, 44])
    };
    let mut img = RgbImage::from_pixel(W, H, bg);
    let skins: [[u8; 3]; 5] = [
        [241, 204, 170],
        [224, 172, 130],
        [198, 140, 100],
        [160, 110, 75],
        [120, 82, 56],
    ];
    let s = skins[rng.below(skins.len() as u64) as usize];
    let skin = Rgb(s);
    let shade = Rgb([
        s[0].saturating_sub(30),
        s[1].saturating_sub(30),
        s[2].saturating_sub(30),
    ]);
    let hair = Rgb([20 + rng.below(30) as u8, 16 + rng.below(20) as u8, 14]);
    let shirt =
        [Rgb([240, 240, 240]), Rgb([30, 30, 40]), Rgb([60, 70, 110])][rng.below(3) as usize];
    let woman = nik.sex() == Sex::Perempuan;
    let (cx, cy) = (W as f32 / 2.0 + rng.below(7) as f32 - 3.0, 140.0);
    // Shoulders and neck.
    ellipse(&mut img, W as f32 / 2.0, 330.0, 118.0, 80.0, shirt);
    ellipse(&mut img, cx, 228.0, 26.0, 34.0, shade);
    // Hair behind the face (long for many women; a headscarf for some).
    if woman && rng.below(100) < 45 {
        let scarf =
            [Rgb([230, 220, 200]), Rgb([40, 50, 90]), Rgb([120, 30, 60])][rng.below(3) as usize];
        ellipse(&mut img, cx, cy + 10.0, 80.0, 104.0, scarf);
    } else if woman {
        ellipse(&mut img, cx, cy + 30.0, 74.0, 110.0, hair);
    } else {
        ellipse(&mut img, cx, cy - 24.0, 66.0, 60.0, hair);
    }
    // Face, ears, eyes, brows, nose, mouth.
    ellipse(&mut img, cx - 58.0, cy + 4.0, 9.0, 16.0, shade);
    ellipse(&mut img, cx + 58.0, cy + 4.0, 9.0, 16.0, shade);
    ellipse(&mut img, cx, cy, 58.0, 76.0, skin);
    let eye_y = cy - 8.0 + rng.below(5) as f32;
    for side in [-1.0f32, 1.0] {
        ellipse(
            &mut img,
            cx + side * 22.0,
            eye_y,
            10.0,
            5.0,
            Rgb([250, 250, 250]),
        );
        ellipse(
            &mut img,
            cx + side * 22.0,
            eye_y,
            4.5,
            4.5,
            Rgb([40, 28, 20]),
        );
        ellipse(&mut img, cx + side * 22.0, eye_y - 13.0, 13.0, 3.0, hair);
    }
    ellipse(&mut img, cx, cy + 16.0, 6.0, 12.0, shade);
    ellipse(&mut img, cx, cy + 42.0, 18.0, 5.0, Rgb([150, 70, 70]));
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .map_err(Error::internal)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_portrait_is_a_deterministic_jpeg_with_the_birth_year_background() {
        let odd = Nik::parse("3273015703050042").unwrap();
        let a = render(&odd).unwrap();
        assert_eq!(a, render(&odd).unwrap());
        let img = image::load_from_memory(&a).unwrap().to_rgb8();
        assert_eq!(img.dimensions(), (W, H));
        let corner = img.get_pixel(2, 2);
        assert!(corner[2] > corner[0], "2005 is odd: blue background");
    }
}
