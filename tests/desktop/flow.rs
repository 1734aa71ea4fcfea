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

/// How many steps of the registration bar are done, 0 on screens without the bar: on a row
/// near the top, six segments 30–80 px long, done ones blue and the rest pale grey (the
/// Welcome screen's logo is blue and as wide as a segment, but alone on its rows).
fn steps_done(img: &RgbImage) -> usize {
    let pale = |p: &image::Rgb<u8>| {
        let [r, g, b] = p.0.map(i32::from);
        (r - 0xd5).abs() < 8 && (g - 0xdb).abs() < 8 && (b - 0xe6).abs() < 8
    };
    (60..100)
        .find_map(|y| {
            let (mut done, mut todo) = (0, 0);
            let (mut blue_run, mut pale_run) = (0, 0);
            for x in 0..=img.width() {
                let p = (x < img.width()).then(|| img.get_pixel(x, y));
                if p.is_some_and(is_blue) {
                    blue_run += 1;
                } else {
                    done += usize::from((30..80).contains(&blue_run));
                    blue_run = 0;
                }
                if p.is_some_and(pale) {
                    pale_run += 1;
                } else {
                    todo += usize::from((30..80).contains(&pale_run));
                    pale_run = 0;
                }
            }
            (done + todo == 6).then_some(done)
        })
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

/// The enabled primary button, while the registration bar shows `n` steps done (0: no bar).
fn primary_on_step(n: usize) -> impl Fn(&RgbImage) -> Option<(u32, u32)> + Copy {
    move |img| {
        (steps_done(img) == n)
            .then(|| primary_button(img))
            .flatten()
    }
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

/// The text fields on the screen, top to bottom, as the centres of their boxes: a field's
/// box is two thin horizontal lines at least 280 px long (its grey border, or the blue focus
/// ring) 36–60 px apart. A filled button is a thick block, the steps bar is in pieces.
fn text_fields(img: &RgbImage) -> Vec<(u32, u32)> {
    let is_border = |p: &image::Rgb<u8>| {
        let [r, g, b] = p.0.map(i32::from);
        is_blue(p) || ((r - 0xc4).abs() < 20 && (g - 0xcb).abs() < 20 && (b - 0xd8).abs() < 20)
    };
    // For each row, the longest run of border pixels (start, length).
    let long_line = |y: u32| -> Option<(u32, u32)> {
        let (mut best, mut start, mut run) = (None::<(u32, u32)>, 0, 0);
        for x in 0..img.width() {
            if is_border(img.get_pixel(x, y)) {
                if run == 0 {
                    start = x;
                }
                run += 1;
                if run >= 280 && best.is_none_or(|(_, len)| len < run) {
                    best = Some((start, run));
                }
            } else {
                run = 0;
            }
        }
        best
    };
    // Bands of consecutive rows with a long line; thin bands are borders.
    let mut borders: Vec<(u32, (u32, u32))> = Vec::new();
    let mut y = 0;
    while y < img.height() {
        if let Some(line) = long_line(y) {
            let top = y;
            while y + 1 < img.height() && long_line(y + 1).is_some() {
                y += 1;
            }
            if y - top < 5 {
                borders.push(((top + y) / 2, line));
            }
        }
        y += 1;
    }
    let mut fields = Vec::new();
    let mut i = 0;
    while i + 1 < borders.len() {
        let ((top, (x, len)), (bottom, _)) = (borders[i], borders[i + 1]);
        if (36..=60).contains(&(bottom - top)) {
            fields.push((x + len / 2, (top + bottom) / 2));
            i += 2;
        } else {
            i += 1;
        }
    }
    fields
}

/// How long to wait for the effect of the n-th try of an action (from 0): the app answers
/// within a second on an idle machine, but a loaded one can take several.
fn patience(attempt: u32) -> Duration {
    Duration::from_secs(4 + 4 * u64::from(attempt))
}

/// How many times an action is tried before the test fails: 4 + 8 + 12 + 16 + 20 s of
/// waiting for its effect in all.
const TRIES: u32 = 5;

/// The app window as a person sees it and drives it. Every action that should change the
/// screen is checked by its effect and tried again, a bounded number of times, when the
/// effect does not come, as a person taps again when nothing happens: a click, a key or a
/// typed field can be lost (WebKitGTK drops a click made where the pointer has rested
/// since the screen changed under it).
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
    /// answer is returned), or `within` has passed (`None`).
    fn look_for<T>(
        &mut self,
        within: Duration,
        mut ready: impl FnMut(&RgbImage) -> Option<T>,
    ) -> Option<T> {
        let started = Instant::now();
        loop {
            if let Some(img) = self.grab() {
                let found = ready(&img);
                self.last = Some(img);
                if found.is_some() {
                    return found;
                }
            }
            if started.elapsed() > within {
                return None;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// Waits for what the app shows by itself (no action of ours brings it); fails with
    /// the last screenshot saved after `secs`.
    fn wait<T>(&mut self, what: &str, secs: u64, ready: impl FnMut(&RgbImage) -> Option<T>) -> T {
        match self.look_for(Duration::from_secs(secs), ready) {
            Some(found) => found,
            None => self.fail(&format!("{what}: not on the screen within {secs} s")),
        }
    }

    /// Does `act` (given the try's number; it says whether it did something), then looks
    /// for its `effect`; when the effect does not come, tries again, at most [`TRIES`]
    /// times. `act` checks the screen it acts on first, so a slow but successful action is
    /// never repeated on the next screen.
    fn act_until<T>(
        &mut self,
        what: &str,
        mut act: impl FnMut(&mut Self, u32) -> bool,
        mut effect: impl FnMut(&RgbImage) -> Option<T>,
    ) -> T {
        let mut acted = 0;
        for attempt in 0..TRIES {
            acted += u32::from(act(self, attempt));
            if let Some(found) = self.look_for(patience(attempt), &mut effect) {
                if acted > 1 {
                    eprintln!("desktop flow: {what}: done at the {acted}th time");
                }
                return found;
            }
        }
        self.fail(&format!("{what}: no effect after {TRIES} tries"))
    }

    /// Clicks what `target` finds on the screen until `effect` shows. Each new try clicks a
    /// little to the side of the last (a person whose tap did nothing taps again, rarely on
    /// the same pixel); a try whose target is gone waits for the screen instead.
    fn click_until<T>(
        &mut self,
        what: &str,
        target: impl Fn(&RgbImage) -> Option<(u32, u32)>,
        effect: impl FnMut(&RgbImage) -> Option<T>,
    ) -> T {
        self.act_until(
            what,
            |screen, attempt| {
                let Some((x, y)) = screen.last.as_ref().and_then(&target) else {
                    return false;
                };
                let side = 12 * attempt as i64 * if attempt % 2 == 0 { 1 } else { -1 };
                let x = (i64::from(x) + side).clamp(0, i64::from(WIDTH) - 1) as u32;
                screen.click((x, y));
                true
            },
            effect,
        )
    }

    /// Presses Enter while `ready` holds on the screen (a form whose last field sends it)
    /// until `effect` shows.
    fn enter_until<T, R>(
        &mut self,
        what: &str,
        ready: impl Fn(&RgbImage) -> Option<R>,
        effect: impl FnMut(&RgbImage) -> Option<T>,
    ) -> T {
        self.act_until(
            what,
            |screen, _| {
                let on_form = screen.last.as_ref().and_then(&ready).is_some();
                if on_form {
                    screen.keys(&["Return"]);
                }
                on_form
            },
            effect,
        )
    }

    /// Fills the text fields of a form with `values`, top to bottom, until `done` shows.
    /// The first try is the keyboard's (the first field has the cursor, Tab between
    /// fields); a later try clicks into each field, selects what is there and types again.
    fn fill<T>(
        &mut self,
        what: &str,
        values: &[&str],
        done: impl FnMut(&RgbImage) -> Option<T>,
    ) -> T {
        self.act_until(
            what,
            |screen, attempt| {
                if attempt == 0 {
                    for (i, value) in values.iter().enumerate() {
                        if i > 0 {
                            screen.keys(&["Tab"]);
                        }
                        screen.type_text(value);
                    }
                    return true;
                }
                for (i, value) in values.iter().enumerate() {
                    let Some(img) = screen.grab() else {
                        return i > 0;
                    };
                    let Some(&at) = text_fields(&img).get(i) else {
                        return i > 0;
                    };
                    screen.click(at);
                    screen.keys(&["ctrl+a", "BackSpace"]);
                    screen.type_text(value);
                }
                true
            },
            done,
        )
    }

    /// Saves the last screenshot and fails the test with `why`.
    fn fail(&self, why: &str) -> ! {
        let seen = self.save("failed");
        panic!("{why}; see {}", seen.display());
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

    // Welcome (WebKit's first start is slow on a busy machine) → Daftar → the notice.
    let on_welcome = |img: &RgbImage| {
        let (blue, light, _) = blue_and_light(img);
        (steps_done(img) == 0 && blue > 8_000 && light > 100_000)
            .then(|| primary_button(img))
            .flatten()
    };
    screen.wait("the Welcome screen", 120, on_welcome);
    let notice = primary_on_step(1);
    screen.click_until("Daftar opens the notice", on_welcome, notice);
    // Lanjutkan → the terms. Lanjutkan sits where Daftar was: this click is the one that
    // WebKitGTK dropped when the pointer had not moved since Daftar (issue 13).
    let terms = |img: &RgbImage| (steps_done(img) == 2).then_some(());
    screen.click_until("Lanjutkan opens the terms", notice, terms);
    // Consent: Lanjut stays disabled until the switch is on; Tab reaches the switch after
    // the back button and the terms, and Space turns it on (a later try clicks it).
    assert!(
        primary_button(screen.last.as_ref().unwrap()).is_none(),
        "Lanjut is enabled before the consent switch is on"
    );
    let lanjut = primary_on_step(2);
    screen.act_until(
        "the consent switch enables Lanjut",
        |screen, attempt| {
            if attempt == 0 {
                screen.keys(&["Tab", "Tab", "Tab", "space"]);
                return true;
            }
            let at = screen.last.as_ref().and_then(consent_switch);
            at.inspect(|&at| screen.click(at)).is_some()
        },
        lanjut,
    );

    // Data entry: the cursor starts in the NIK field; typed fast, Tab between the fields,
    // Enter sends once everything is valid.
    let data_entry = |img: &RgbImage| (steps_done(img) == 3 && field_focused(img)).then_some(());
    screen.click_until(
        "Lanjut opens the data entry, the cursor in NIK",
        lanjut,
        data_entry,
    );
    let email = "warga.desktop@contoh.id";
    let values = [citizen.ktp.nik.as_str(), email, "081234567890"];
    let isi_data = primary_on_step(3);
    screen.fill(
        "Isi data enabled by valid NIK, email and phone",
        &values,
        isi_data,
    );
    screen.save("03-data-entry");

    // The selfie from the virtual camera: Ambil foto, then Kirim (the right-hand button).
    let ambil_foto = primary_on_step(4);
    screen.enter_until(
        "Enter sends the data and opens the selfie",
        isi_data,
        ambil_foto,
    );
    let kirim = |img: &RgbImage| {
        (steps_done(img) == 4)
            .then(|| primary_button(img).filter(|(x, _)| *x > WIDTH / 2))
            .flatten()
    };
    screen.click_until("Ambil foto takes the camera's picture", ambil_foto, kirim);
    screen.save("04-selfie");
    // The QR for the officer, read off the screen as the officer's scanner would.
    let qr = screen.click_until("Kirim sends the selfie and shows the QR", kirim, |img| {
        read_qr(img).ok()
    });
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
        physical_ktp_checked: false,
    };
    service.api.decide(&officer, &approve).await.unwrap();

    // The app sees the approval by itself and offers Aktifkan; the code is in the mail.
    let approved = |img: &RgbImage| {
        (steps_done(img) == 5 && read_qr(img).is_err())
            .then(|| primary_button(img))
            .flatten()
    };
    screen.wait("the approval and Aktifkan", 60, approved);
    screen.save("06-approved");
    let activation = |img: &RgbImage| (steps_done(img) == 6 && field_focused(img)).then_some(());
    screen.click_until(
        "Aktifkan opens the activation, the cursor in the code field",
        approved,
        activation,
    );
    let code = service.activation_code(email);

    // Activation: the code, then the captcha (Tab passes the new-picture button), Enter.
    let answer = screen.wait("the captcha", 30, |_| service.hooks.latest_captcha_answer());
    let aktifkan = primary_on_step(6);
    screen.act_until(
        "the code and the captcha enable Aktifkan",
        |screen, attempt| {
            if attempt == 0 {
                screen.type_text(&code);
                screen.keys(&["Tab", "Tab"]);
                screen.type_text(&answer);
                return true;
            }
            let fields = screen
                .grab()
                .map(|img| text_fields(&img))
                .unwrap_or_default();
            for (&at, value) in fields.iter().zip([&code, &answer]) {
                screen.click(at);
                screen.keys(&["ctrl+a", "BackSpace"]);
                screen.type_text(value);
            }
            !fields.is_empty()
        },
        aktifkan,
    );
    screen.save("07-activation");
    let set_pin = |img: &RgbImage| (steps_done(img) == 0 && field_focused(img)).then_some(());
    screen.enter_until(
        "Enter activates and opens the PIN screen",
        aktifkan,
        set_pin,
    );

    // A PIN, twice, then Simpan PIN.
    let simpan = primary_on_step(0);
    screen.fill("Simpan PIN enabled by the PIN twice", &[PIN, PIN], simpan);

    // Masuk (the logo over the keypad): the PIN typed on the keyboard works like the keypad.
    let pin_pad = |img: &RgbImage| {
        let logo = (0..200)
            .flat_map(|y| (0..WIDTH).map(move |x| (x, y)))
            .filter(|&(x, y)| is_blue(img.get_pixel(x, y)))
            .count();
        (logo > 3_000 && primary_button(img).is_none()).then(|| img.clone())
    };
    let before = screen.click_until("Simpan PIN opens the PIN pad", simpan, pin_pad);
    // The pad takes the keyboard once it is on the screen, which shows nowhere: a person
    // would take this long to start typing anyway. A later try clears what was typed.
    std::thread::sleep(Duration::from_millis(500));
    // Home opens on KTP Digital: pick nothing (the default profile) and show the QR.
    let tampilkan = |img: &RgbImage| {
        (changed_pixels(&before, img) > 20_000)
            .then(|| primary_button(img))
            .flatten()
    };
    screen.act_until(
        "the PIN typed at the PIN pad opens KTP Digital",
        |screen, attempt| {
            if attempt > 0 {
                if screen.last.as_ref().and_then(pin_pad).is_none() {
                    return false;
                }
                screen.keys(&["BackSpace"; 6]);
            }
            screen.type_text(PIN);
            true
        },
        tampilkan,
    );
    screen.save("08-home");
    let identity = screen.click_until("Tampilkan QR shows the identity QR", tampilkan, |img| {
        read_qr(img).ok()
    });
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

/// The consent switch while it is off: its grey pill (52 × 30 px), below the steps bar.
fn consent_switch(img: &RgbImage) -> Option<(u32, u32)> {
    let grey = |p: &image::Rgb<u8>| {
        let [r, g, b] = p.0.map(i32::from);
        (r - 0xc4).abs() < 8 && (g - 0xcb).abs() < 8 && (b - 0xd8).abs() < 8
    };
    let rows: Vec<(u32, u32)> = (100..img.height())
        .filter_map(|y| {
            let (mut run, mut start) = (0, 0);
            for x in 0..=img.width() {
                if x < img.width() && grey(img.get_pixel(x, y)) {
                    if run == 0 {
                        start = x;
                    }
                    run += 1;
                } else {
                    if (44..=54).contains(&run) {
                        return Some((start + run / 2, y));
                    }
                    run = 0;
                }
            }
            None
        })
        .collect();
    rows.get(rows.len() / 2).copied()
}

/// The QR code on the screen, as the officer's scanner reads a picture.
fn read_qr(img: &RgbImage) -> Result<String, ikd::qr::ScanError> {
    ikd::qr::decode_picture(&image::DynamicImage::ImageRgb8(img.clone()))
}
