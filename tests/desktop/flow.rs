//! The whole citizen flow in the desktop window (WebKitGTK under Xvfb) against the real
//! service, driven as a person at a computer drives it: xdotool clicks the blue primary
//! buttons it sees on the screen, types at 15 ms a key, and uses Tab, Space and Enter. The
//! screen is read from screenshots only: the steps bar, the buttons, and the registration
//! QR and identity QR, decoded from the pixels. The officer's part goes through the
//! service's API, the activation code comes from the mail outbox, and the captcha's answer
//! from the test build's hook (the same as the browser UI suite).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ikd_core::api::OfficerDecision;
use image::RgbImage;

use super::service::spawn_service;
use super::{blue_and_light, is_blue, launch_app, screenshots_dir, start_xvfb};

/// The app window's inner size (src/main.rs); with no window manager it sits at 0,0.
const WIDTH: u32 = 400;
const HEIGHT: u32 = 760;
const PIN: &str = "482916";

/// How many steps of the registration bar are done (0 on screens without the bar): the
/// longest count of blue segments on a row near the top.
fn steps_done(img: &RgbImage) -> usize {
    (60..100)
        .map(|y| {
            let mut runs = 0;
            let mut run = 0;
            for x in 0..img.width() {
                if is_blue(img.get_pixel(x, y)) {
                    run += 1;
                } else {
                    runs += usize::from((30..80).contains(&run));
                    run = 0;
                }
            }
            runs
        })
        .max()
        .unwrap_or(0)
}

/// The centre of the lowest enabled primary button: a blue block at least 140 px wide and
/// 42–64 px high (the logo is narrower and taller, the language pill lower).
fn primary_button(img: &RgbImage) -> Option<(u32, u32)> {
    let w = img.width();
    let wide_blue_row = |y: u32| -> Option<(u32, u32)> {
        let (mut run, mut best) = (None::<(u32, u32)>, None::<(u32, u32)>);
        for x in 0..=w {
            let blue = x < w && is_blue(img.get_pixel(x, y));
            match run {
                // The label's white letters leave gaps of up to 24 px in a row; the thin
                // border of an outlined button beside it is not part of the block.
                Some((s, last)) if blue => {
                    let s = if last - s < 4 && x - last > 10 { x } else { s };
                    run = Some((s, x));
                }
                Some((s, last)) if x - last > 24 || x == w => {
                    let wide = last + 1 - s;
                    if wide >= 140 && best.is_none_or(|(a, b)| b - a < wide) {
                        best = Some((s, last + 1));
                    }
                    run = None;
                }
                None if blue => run = Some((x, x)),
                _ => {}
            }
        }
        best
    };
    let mut y = img.height();
    while y > 0 {
        y -= 1;
        if wide_blue_row(y).is_none() {
            continue;
        }
        let bottom = y;
        while y > 0 && wide_blue_row(y - 1).is_some() {
            y -= 1;
        }
        let middle = (y + bottom) / 2;
        // Across the middle only a filled button is blue (an outlined one is white there).
        if (42..=64).contains(&(bottom - y + 1))
            && let Some((a, b)) = wide_blue_row(middle)
        {
            return Some(((a + b) / 2, middle));
        }
    }
    None
}

/// Whether a text field has the cursor: its focus ring is an unbroken blue line at least
/// 280 px long (the steps bar is in pieces, a disabled button paler, an enabled one is
/// looked for after the typing).
fn field_focused(img: &RgbImage) -> bool {
    (100..600).any(|y| {
        let mut run = 0;
        (0..img.width()).any(|x| {
            run = if is_blue(img.get_pixel(x, y)) {
                run + 1
            } else {
                0
            };
            run >= 280
        })
    })
}

/// Pixels that differ clearly between two screenshots.
fn changed_pixels(a: &RgbImage, b: &RgbImage) -> usize {
    a.pixels()
        .zip(b.pixels())
        .filter(|(p, q)| p.0.iter().zip(q.0).any(|(x, y)| x.abs_diff(y) > 40))
        .count()
}

/// The app window as a person sees it and drives it.
struct Screen {
    display: String,
    shots: PathBuf,
    last: Option<RgbImage>,
}

impl Screen {
    fn xdotool(&self, args: &[&str]) {
        let ok = Command::new("xdotool")
            .args(args)
            .env("DISPLAY", &self.display)
            .stdout(Stdio::null())
            .status()
            .expect("xdotool is installed by scripts/install-deps.sh");
        assert!(ok.success(), "xdotool {args:?} failed");
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["key", "--delay", "120"];
        args.extend(keys);
        self.xdotool(&args);
    }

    /// Types like a fast typist, 15 ms a key: every character must arrive.
    fn type_text(&self, text: &str) {
        self.xdotool(&["type", "--delay", "15", text]);
    }

    /// Moves the pointer, lets the window see it arrive, then clicks: a click sent with the
    /// move can land where the pointer was, and a quick second click there is a double-click.
    fn click(&self, (x, y): (u32, u32)) {
        self.xdotool(&["mousemove", "--sync", &x.to_string(), &y.to_string()]);
        std::thread::sleep(Duration::from_millis(150));
        self.xdotool(&["click", "1"]);
    }

    fn grab(&self) -> Option<RgbImage> {
        let out = Command::new("import")
            .args(["-display", &self.display, "-window", "root"])
            .args(["-crop", &format!("{WIDTH}x{HEIGHT}+0+0"), "png:-"])
            .stderr(Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())?;
        Some(image::load_from_memory(&out.stdout).ok()?.to_rgb8())
    }

    /// Looks at the screen every 250 ms until `ready` says what it wants is there (its
    /// answer is returned); fails with the last screenshot saved after `secs`.
    fn wait<T>(
        &mut self,
        what: &str,
        secs: u64,
        mut ready: impl FnMut(&RgbImage) -> Option<T>,
    ) -> T {
        let started = Instant::now();
        loop {
            if let Some(img) = self.grab() {
                let found = ready(&img);
                self.last = Some(img);
                if let Some(found) = found {
                    return found;
                }
            }
            if started.elapsed() > Duration::from_secs(secs) {
                let seen = self.save("failed");
                panic!(
                    "{what}: not on the screen within {secs} s; see {}",
                    seen.display()
                );
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// Waits for step `n` of the registration bar, then clicks the primary button once it
    /// is enabled.
    fn on_step_click_primary(&mut self, n: usize, what: &str) {
        let at = self.wait(what, 60, |img| {
            (steps_done(img) == n)
                .then(|| primary_button(img))
                .flatten()
        });
        self.click(at);
    }

    /// Keeps the last screenshot as `desktop-flow-<name>.png` for a person to look at.
    fn save(&self, name: &str) -> PathBuf {
        let path = self.shots.join(format!("desktop-flow-{name}.png"));
        if let Some(img) = &self.last {
            let _ = img.save(&path);
        }
        path
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_citizen_registers_activates_and_shows_a_verifiable_identity_qr_in_the_desktop_window() {
    let service = spawn_service().await;
    let citizen = service
        .with_ktp_el()
        .next()
        .expect("a resident with a KTP-el");
    let data = tempfile::tempdir().unwrap();

    let face =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/faces/one-face-astronaut.jpg");
    assert!(face.exists(), "the test faces are in ../shared/data/faces");
    let (_xvfb, display) = start_xvfb();
    let camera = format!("virtual:{}", face.display());
    let app_dir = data.path().join("app");
    let _app = launch_app(&display, &service.base, &app_dir, Some(&camera));
    let mut screen = Screen {
        display,
        shots: screenshots_dir(),
        last: None,
    };

    // Welcome (WebKit's first start is slow on a busy machine) → Daftar.
    let daftar = screen.wait("the Welcome screen", 120, |img| {
        let (blue, light, _) = blue_and_light(img);
        (blue > 8_000 && light > 100_000)
            .then(|| primary_button(img))
            .flatten()
    });
    screen.click(daftar);
    // The notice → Lanjutkan.
    screen.on_step_click_primary(1, "the assisted-registration notice");
    // Consent: Lanjut stays disabled until the switch is on; Tab reaches the switch after
    // the back button and the terms, and Space turns it on.
    screen.wait("the terms", 30, |img| (steps_done(img) == 2).then_some(()));
    assert!(
        primary_button(screen.last.as_ref().unwrap()).is_none(),
        "Lanjut is enabled before the consent switch is on"
    );
    screen.keys(&["Tab", "Tab", "Tab", "space"]);
    screen.on_step_click_primary(2, "Lanjut enabled by the consent switch");

    // Data entry: the cursor starts in the NIK field; typed fast, Tab between the fields,
    // Enter sends once everything is valid.
    screen.wait(
        "the data entry with the cursor in the NIK field",
        30,
        |img| (steps_done(img) == 3 && field_focused(img)).then_some(()),
    );
    screen.type_text(citizen.ktp.nik.as_str());
    screen.keys(&["Tab"]);
    let email = "warga.desktop@contoh.id";
    screen.type_text(email);
    screen.keys(&["Tab"]);
    screen.type_text("081234567890");
    screen.wait(
        "Isi data enabled by valid NIK, email and phone",
        30,
        |img| primary_button(img).map(drop),
    );
    screen.save("03-data-entry");
    screen.keys(&["Return"]);

    // The selfie from the virtual camera: Ambil foto, then Kirim (the right-hand button).
    screen.on_step_click_primary(4, "Ambil foto with the camera's picture");
    let kirim = screen.wait("Ulangi and Kirim after the capture", 30, |img| {
        primary_button(img).filter(|(x, _)| *x > WIDTH / 2)
    });
    screen.save("04-selfie");
    screen.click(kirim);

    // The QR for the officer, read off the screen as the officer's scanner would.
    let qr = screen.wait("the registration QR", 60, |img| read_qr(img).ok());
    screen.save("05-officer-qr");
    assert!(qr.starts_with("IKDREG1:"), "{qr}");

    // The officer compares the photos and approves.
    let officer = service.officer_token().await;
    let review = service.api.scan_registration(&officer, &qr).await.unwrap();
    assert!(
        review.checks.iter().all(|c| c.passed),
        "the selfie passed the service's checks: {:?}",
        review.checks
    );
    let approve = OfficerDecision {
        qr,
        approve: true,
        reason: None,
    };
    service.api.decide(&officer, &approve).await.unwrap();

    // The app sees the approval by itself and offers Aktifkan; the code is in the mail.
    let aktifkan = screen.wait("the approval and Aktifkan", 60, |img| {
        (read_qr(img).is_err())
            .then(|| primary_button(img))
            .flatten()
    });
    screen.save("06-approved");
    screen.click(aktifkan);
    let code = service.activation_code(email);

    // Activation: the code (the cursor is in its field), Tab past the new-picture button to
    // the captcha, Enter.
    screen.wait(
        "the activation screen with the cursor in the code field",
        30,
        |img| (steps_done(img) == 6 && field_focused(img)).then_some(()),
    );
    let answer = screen.wait("the captcha", 30, |_| service.hooks.latest_captcha_answer());
    screen.type_text(&code);
    screen.keys(&["Tab", "Tab"]);
    screen.type_text(&answer);
    screen.wait("Aktifkan enabled", 30, |img| primary_button(img).map(drop));
    screen.save("07-activation");
    screen.keys(&["Return"]);

    // A PIN, twice, then Simpan PIN.
    screen.wait(
        "the PIN screen with the cursor in the PIN field",
        30,
        |img| (steps_done(img) == 0 && field_focused(img)).then_some(()),
    );
    screen.type_text(PIN);
    screen.keys(&["Tab"]);
    screen.type_text(PIN);
    let simpan = screen.wait("Simpan PIN enabled", 30, primary_button);
    screen.click(simpan);

    // Masuk (the logo over the keypad): the PIN typed on the keyboard works like the keypad.
    let before = screen.wait("the PIN pad", 30, |img| {
        let logo = (0..200)
            .flat_map(|y| (0..WIDTH).map(move |x| (x, y)))
            .filter(|&(x, y)| is_blue(img.get_pixel(x, y)))
            .count();
        (logo > 3_000 && primary_button(img).is_none()).then(|| img.clone())
    });
    // The screen takes the keyboard when it appears, which shows nowhere: a person would
    // take this long to start typing anyway.
    std::thread::sleep(Duration::from_millis(500));
    screen.type_text(PIN);
    // Home opens on KTP Digital: pick nothing (the default profile) and show the QR.
    let tampilkan = screen.wait("KTP Digital's Tampilkan QR", 60, |img| {
        (changed_pixels(&before, img) > 20_000)
            .then(|| primary_button(img))
            .flatten()
    });
    screen.save("08-home");
    screen.click(tampilkan);
    let identity = screen.wait("the identity QR", 30, |img| read_qr(img).ok());
    screen.save("09-identity-qr");

    // Any authorised verifier accepts it and sees who it is.
    let verified = service.api.verify(&officer, &identity).await.unwrap();
    assert!(verified.valid, "{verified:?}");
    assert!(
        verified.fields.iter().any(|(_, v)| *v == citizen.ktp.nama),
        "the holder's name is disclosed: {:?}",
        verified.fields
    );
}

/// The QR code on the screen, as the officer's scanner reads a picture.
fn read_qr(img: &RgbImage) -> Result<String, ikd::qr::ScanError> {
    ikd::qr::decode_picture(image::DynamicImage::ImageRgb8(img.clone()))
}
