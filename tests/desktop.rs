//! Desktop smoke test: the desktop build of the app (WebKitGTK) starts under a virtual
//! display (Xvfb) against a running service, and the screen shows the Welcome screen, not a
//! blank window: the Dukcapil-blue logo and Daftar button are there, on the light page.

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

/// A display number nobody uses yet.
fn free_display() -> u32 {
    (90..200)
        .find(|n| {
            !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
        })
        .expect("a free X display number")
}

fn start_xvfb() -> (Running, String) {
    let n = free_display();
    let xvfb = Command::new("Xvfb")
        .args([
            &format!(":{n}"),
            "-screen",
            "0",
            "1024x768x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb is installed by scripts/install-deps.sh");
    let socket = PathBuf::from(format!("/tmp/.X11-unix/X{n}"));
    let started = Instant::now();
    while !socket.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "Xvfb :{n} did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    (Running(xvfb), format!(":{n}"))
}

/// Counts the pixels of the app's blue (#0b4ea2, give or take anti-aliasing) and of the
/// light page background.
fn blue_and_light(png: &Path) -> (usize, usize, usize) {
    let Ok(img) = image::open(png) else {
        return (0, 0, 0);
    };
    let img = img.to_rgb8();
    let (mut blue, mut light) = (0, 0);
    for p in img.pixels() {
        let [r, g, b] = p.0.map(i32::from);
        if (r - 0x0b).abs() < 24 && (g - 0x4e).abs() < 24 && (b - 0xa2).abs() < 24 {
            blue += 1;
        }
        if r > 230 && g > 230 && b > 230 {
            light += 1;
        }
    }
    (blue, light, (img.width() * img.height()) as usize)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_desktop_app_opens_on_the_welcome_screen() {
    let data = tempfile::tempdir().unwrap();
    let mut config = ikd_server::Config::local(data.path().join("service"));
    config.listen = "127.0.0.1:0".parse().unwrap();
    let state = ikd_server::AppState::new(config).await.unwrap();
    let service = ikd_server::spawn(state, std::future::pending())
        .await
        .unwrap();

    let (_xvfb, display) = start_xvfb();
    let _app = Running(
        Command::new(env!("CARGO_BIN_EXE_ikd"))
            .env("DISPLAY", &display)
            .env("IKD_API", format!("http://{}", service.addr))
            .env("IKD_APP_DIR", data.path().join("app"))
            .env_remove("WAYLAND_DISPLAY")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/e2e-screenshots");
    std::fs::create_dir_all(&out).unwrap();
    let shot = out.join("desktop-welcome.png");
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
        seen = blue_and_light(&shot);
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
