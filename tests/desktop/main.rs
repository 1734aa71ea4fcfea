//! The desktop build of the app (WebKitGTK) under a virtual display (Xvfb) against the
//! real service: it opens on the Welcome screen, not a blank window (the smoke test here);
//! the whole citizen flow runs in its window (`flow`); and its secrets go to the desktop's
//! keyring (GNOME Keyring on a private session bus) or, without one, to sealed files.

mod flow;
#[path = "../support/service.rs"]
mod service;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills a child process when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A virtual display on a number Xvfb picks itself (`-displayfd`), so tests running at
/// the same time never share one.
fn start_xvfb() -> (Running, String) {
    let mut xvfb = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1024x768x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb is installed by scripts/install-deps.sh");
    // Xvfb writes the number once it accepts clients.
    let mut line = String::new();
    let stdout = xvfb.stdout.take().expect("piped stdout");
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)
        .expect("Xvfb says which display it took");
    let n: u32 = line.trim().parse().expect("a display number from Xvfb");
    (Running(xvfb), format!(":{n}"))
}

/// The desktop app on `display` against the service at `api`, its secrets in sealed files
/// in `app_dir` (never the developer's own keyring); `camera` as `IKD_CAMERA` says.
fn launch_app(display: &str, api: &str, app_dir: &Path, camera: Option<&str>) -> Running {
    let mut app = Command::new(env!("CARGO_BIN_EXE_ikd"));
    app.env("DISPLAY", display)
        .env("IKD_API", api)
        .env("IKD_APP_DIR", app_dir)
        .env("IKD_STORE", "file")
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(camera) = camera {
        app.env("IKD_CAMERA", camera);
    }
    Running(app.spawn().expect("the desktop app starts"))
}

/// Where the tests' screenshots go (`scripts/refresh-screenshots.sh` copies them to docs/).
fn screenshots_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/e2e-screenshots");
    std::fs::create_dir_all(&dir).expect("the screenshots folder is made");
    dir
}

/// The app's blue (#0b4ea2), give or take anti-aliasing: the logo, enabled primary
/// buttons, the steps bar. A disabled button is paler and does not match.
fn is_blue(p: &image::Rgb<u8>) -> bool {
    let [r, g, b] = p.0.map(i32::from);
    (r - 0x0b).abs() < 24 && (g - 0x4e).abs() < 24 && (b - 0xa2).abs() < 24
}

/// Counts the pixels of the app's blue and of the light page background.
fn blue_and_light(img: &image::RgbImage) -> (usize, usize, usize) {
    let blue = img.pixels().filter(|p| is_blue(p)).count();
    let light = img
        .pixels()
        .filter(|p| p.0.iter().all(|c| *c > 230))
        .count();
    (blue, light, (img.width() * img.height()) as usize)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_desktop_app_opens_on_the_welcome_screen() {
    let service = service::spawn_service().await;
    let (_xvfb, display) = start_xvfb();
    let app_dir = tempfile::tempdir().unwrap();
    let _app = launch_app(&display, &service.base, app_dir.path(), None);
    let shot = screenshots_dir().join("desktop-welcome.png");
    // The first start of WebKit is slow on a loaded machine: look until the screen is right.
    let started = Instant::now();
    let mut seen = (0, 0, 0);
    while started.elapsed() < Duration::from_secs(90) {
        std::thread::sleep(Duration::from_secs(2));
        let ok = Command::new("import")
            .args(["-display", &display, "-window", "root"])
            .arg(&shot)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            continue;
        }
        let Ok(img) = image::open(&shot) else {
            continue;
        };
        seen = blue_and_light(&img.to_rgb8());
        let (blue, light, _) = seen;
        // The logo (72×72) and the Daftar button are blue; the page around them is light.
        if blue > 8_000 && light > 100_000 {
            return;
        }
    }
    panic!(
        "the Welcome screen did not appear within 90 s (blue, light, all pixels: {seen:?}); see {}",
        shot.display()
    );
}

/// A private session bus with GNOME Keyring's Secret Service on it, unlocked, as after a
/// desktop login. Returns the processes and the bus address.
fn start_secret_service(home: &Path) -> (Running, Running, String) {
    let socket = home.join("bus");
    let address = format!("unix:path={}", socket.display());
    // A session bus without service activation: the system's session.conf would start a
    // second, locked keyring daemon for the first client that comes before ours is up.
    let config = home.join("bus.conf");
    std::fs::write(
        &config,
        format!(
            r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>{address}</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#
        ),
    )
    .expect("the bus configuration is written");
    let bus = Running(
        Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .arg("--nofork")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon is installed by scripts/install-deps.sh"),
    );
    wait_for(|| socket.exists(), "the session bus");
    // On the bus, at home, with `input` then end of input on its standard input.
    let on_the_bus = |program: &str, args: &[&str], input: &[u8]| {
        let mut child = Command::new(program)
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("HOME", home)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{program} (scripts/install-deps.sh installs it): {e}"));
        if let Some(mut stdin) = child.stdin.take() {
            let _ = std::io::Write::write_all(&mut stdin, input);
        }
        child
    };
    // The login keyring's password: the keyring is made and unlocked.
    let keyring = Running(on_the_bus(
        "gnome-keyring-daemon",
        &["--foreground", "--unlock", "--components=secrets"],
        b"test-login",
    ));
    // Ready once an item can be stored in the default collection: the login keyring is
    // made and unlocked a moment after the daemon answers on the bus.
    let secret_tool = |args: &[&str]| {
        on_the_bus("secret-tool", args, b"probe")
            .wait()
            .is_ok_and(|s| s.success())
    };
    wait_for(
        || {
            secret_tool(&["store", "--label=probe", "probe", "ready"])
                && secret_tool(&["clear", "probe", "ready"])
        },
        "the Secret Service",
    );
    (bus, keyring, address)
}

/// Polls `ready` every 100 ms until it holds; fails the test after 20 s.
fn wait_for(ready: impl Fn() -> bool, what: &str) {
    let started = Instant::now();
    while !ready() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{what} did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Runs one `#[ignore]`d test of this binary in a child process with `bus` as its session
/// bus (the environment of a running test cannot be changed safely).
fn run_child(test: &str, bus: &str, app_dir: &Path) {
    let status = Command::new(std::env::current_exe().expect("this test binary"))
        .args(["--ignored", "--exact", test, "--nocapture"])
        .env("DBUS_SESSION_BUS_ADDRESS", bus)
        .env("IKD_TEST_APP_DIR", app_dir)
        .status()
        .expect("the child test runs");
    assert!(status.success(), "{test} failed in its child process");
}

#[test]
fn on_a_desktop_with_a_secret_service_the_secrets_go_to_the_keyring() {
    let home = tempfile::tempdir().unwrap();
    let (_bus, _keyring, address) = start_secret_service(home.path());
    let app = home.path().join("app");
    run_child("keystore_child_stores_in_the_keyring", &address, &app);
    // Nothing of the secrets is in the app folder: only the marker of the choice.
    let files: Vec<_> = std::fs::read_dir(&app)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(files, ["keystore"]);
    // The keyring daemon holds the value (as Base64), under the app's service name.
    let out = Command::new("secret-tool")
        .args([
            "lookup",
            "service",
            ikd::store::SERVICE,
            "username",
            "device",
        ])
        .env("DBUS_SESSION_BUS_ADDRESS", &address)
        .env("HOME", home.path())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "a2V5IGJ5dGVz");
    // Once chosen, the keyring is required: without a session bus the app refuses to
    // start as a new empty device.
    run_child(
        "keystore_child_refuses_when_the_keyring_is_gone",
        "unix:path=/nonexistent/bus",
        &app,
    );
}

#[test]
fn without_a_secret_service_the_secrets_go_to_sealed_files() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app");
    run_child(
        "keystore_child_falls_back_to_sealed_files",
        "unix:path=/nonexistent/bus",
        &app,
    );
    assert!(app.join("store.key").exists());
    assert!(!app.join("keystore").exists());
}

fn child_app_dir() -> PathBuf {
    PathBuf::from(std::env::var_os("IKD_TEST_APP_DIR").expect("run by run_child"))
}

#[test]
#[ignore = "run by on_a_desktop_with_a_secret_service_the_secrets_go_to_the_keyring"]
fn keystore_child_stores_in_the_keyring() {
    use ikd::store::{StoreKind, open_device_store};
    let dir = child_app_dir();
    let (store, kind) = open_device_store(&dir, true).unwrap();
    assert_eq!(kind, StoreKind::Keystore);
    assert!(store.get("device").unwrap().is_none());
    store.put("session", b"s").unwrap();
    store.delete("session").unwrap();
    store.delete("session").unwrap();
    store.put("device", b"key bytes").unwrap();
    let (again, _) = open_device_store(&dir, true).unwrap();
    assert_eq!(
        again.get("device").unwrap().unwrap().as_slice(),
        b"key bytes"
    );
    assert!(again.get("session").unwrap().is_none());
}

#[test]
#[ignore = "run by on_a_desktop_with_a_secret_service_the_secrets_go_to_the_keyring"]
fn keystore_child_refuses_when_the_keyring_is_gone() {
    let err = ikd::store::open_device_store(&child_app_dir(), true).unwrap_err();
    assert!(matches!(err, ikd::store::StoreError::Keystore(_)), "{err}");
    // Nor does asking for files (IKD_STORE=file) start it as a new, empty device.
    let err = ikd::store::open_device_store(&child_app_dir(), false).unwrap_err();
    assert!(matches!(err, ikd::store::StoreError::InKeystore), "{err}");
}

#[test]
#[ignore = "run by without_a_secret_service_the_secrets_go_to_sealed_files"]
fn keystore_child_falls_back_to_sealed_files() {
    let (store, kind) = ikd::store::open_device_store(&child_app_dir(), true).unwrap();
    assert_eq!(kind, ikd::store::StoreKind::EncryptedFile);
    store.put("device", b"key bytes").unwrap();
}
