//! A server-rendered image captcha: five digits drawn from a 5×7 bitmap font with per-glyph
//! jitter and noise. Only a hash of the answer is stored; each captcha is single use.

use std::io::Cursor;

use ikd_core::crypto::{random_bytes, sha256};
use image::{ImageFormat, Rgb, RgbImage};

use crate::error::{Error, Result};

pub const LEN: usize = 5;
/// A captcha is good for this long.
pub const TTL_SECS: i64 = 300;

const FONT: [[u8; 7]; 10] = [
    [
        0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110,
    ],
    [
        0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110,
    ],
    [
        0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111,
    ],
    [
        0b11110, 0b00001, 0b00001, 0b01110, 0b00001, 0b00001, 0b11110,
    ],
    [
        0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010,
    ],
    [
        0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110,
    ],
    [
        0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110,
    ],
    [
        0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000,
    ],
    [
        0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110,
    ],
    [
        0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100,
    ],
];

/// A small deterministic stream from CSPRNG seed bytes, for layout jitter only.
struct Jitter(Vec<u8>, usize);

impl Jitter {
    fn next(&mut self, below: u32) -> u32 {
        let b = self.0[self.1 % self.0.len()];
        self.1 += 1;
        u32::from(b) % below
    }
}

/// A fresh captcha: the answer and its PNG.
pub fn generate() -> Result<(String, Vec<u8>)> {
    let seed: [u8; 64] = random_bytes().map_err(Error::internal)?;
    let mut j = Jitter(seed.to_vec(), LEN);
    let answer: String = seed[..LEN]
        .iter()
        .map(|b| char::from(b'0' + b % 10))
        .collect();
    Ok((answer.clone(), render(&answer, &mut j)?))
}

fn render(answer: &str, j: &mut Jitter) -> Result<Vec<u8>> {
    let (w, h) = (220u32, 80u32);
    let mut img = RgbImage::from_pixel(w, h, Rgb([246, 248, 252]));
    // Background speckle.
    for _ in 0..600 {
        let (x, y) = (j.next(w), j.next(h));
        let c = 170 + j.next(60) as u8;
        img.put_pixel(x, y, Rgb([c, c, c.saturating_add(20)]));
    }
    let scale = 6u32;
    for (i, ch) in answer.bytes().enumerate() {
        let glyph = FONT[usize::from(ch - b'0')];
        let x0 = 14 + i as u32 * 40 + j.next(8);
        let y0 = 8 + j.next(22);
        let shear = j.next(3) as i32 - 1;
        let colour = Rgb([
            20 + j.next(60) as u8,
            40 + j.next(60) as u8,
            100 + j.next(90) as u8,
        ]);
        for (row, bits) in glyph.iter().enumerate() {
            for col in 0..5u32 {
                if bits & (0b10000 >> col) == 0 {
                    continue;
                }
                for dy in 0..scale {
                    for dx in 0..scale - 1 {
                        let x = (x0 + col * scale + dx) as i32 + shear * (3 - row as i32);
                        let y = y0 + row as u32 * scale + dy;
                        if x >= 0 && (x as u32) < w && y < h {
                            img.put_pixel(x as u32, y, colour);
                        }
                    }
                }
            }
        }
    }
    // Strike-through lines across the glyphs.
    for _ in 0..4 {
        let (mut x, mut y) = (0i32, j.next(h) as i32);
        let dy = j.next(5) as i32 - 2;
        let c = Rgb([90 + j.next(80) as u8, 90, 140]);
        while x < w as i32 {
            if y >= 0 && y < h as i32 {
                img.put_pixel(x as u32, y as u32, c);
            }
            x += 1;
            if x % 9 == 0 {
                y += dy;
            }
        }
    }
    let mut png = Cursor::new(Vec::new());
    img.write_to(&mut png, ImageFormat::Png)
        .map_err(Error::internal)?;
    Ok(png.into_inner())
}

/// The stored form of an answer, bound to its captcha id.
pub fn answer_hash(id: &str, answer: &str) -> Vec<u8> {
    let normalised: String = answer.chars().filter(|c| !c.is_whitespace()).collect();
    sha256(format!("{id}:{normalised}").as_bytes()).to_vec()
}

/// Consumes a captcha (single use, right or wrong) and tells whether it was solved.
pub async fn solve(state: &crate::app::AppState, id: &str, answer: &str) -> Result<bool> {
    if id.len() > 64 || answer.len() > 32 {
        return Ok(false);
    }
    let row = sqlx::query("DELETE FROM captchas WHERE id = $1 RETURNING answer_hash, expires_at")
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await?;
    Ok(row.is_some_and(|r| {
        use sqlx::Row as _;
        let stored: Vec<u8> = r.get(0);
        r.get::<i64, _>(1) >= state.now()
            && bool::from(subtle::ConstantTimeEq::ct_eq(
                stored.as_slice(),
                answer_hash(id, answer).as_slice(),
            ))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_captcha_is_five_digits_and_a_decodable_png() {
        let (answer, png) = generate().unwrap();
        assert_eq!(answer.len(), LEN);
        assert!(answer.bytes().all(|b| b.is_ascii_digit()));
        let img = image::load_from_memory(&png).unwrap();
        assert_eq!((img.width(), img.height()), (220, 80));
    }

    #[test]
    fn answers_are_compared_by_hash_ignoring_spaces() {
        assert_eq!(answer_hash("a", "12345"), answer_hash("a", " 123 45"));
        assert_ne!(answer_hash("a", "12345"), answer_hash("b", "12345"));
    }
}
