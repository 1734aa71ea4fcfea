//! The IKD app in a phone-sized desktop window (or on a phone with `mobile`).
//!
//! `IKD_API` names the service on a desktop (a phone build has it built in:
//! `IKD_SERVICE_URL` and `IKD_SERVICE_PINS` at build time, see `ikd::network`; default
//! `http://127.0.0.1:8080`), `IKD_APP_DIR` the folder of
//! the sealed store (default `$XDG_DATA_HOME/ikd` or `~/.local/share/ikd`), `IKD_CAMERA` the
//! camera (`native:N`, the computer's own through nokhwa and the default; `webview`; or a
//! virtual camera, `virtual:FILE[,FILE…]`). Secrets go to the OS keystore where there is
//! one (Secret Service on a Linux desktop), else sealed files in the app folder;
//! `IKD_STORE=file` picks the files (not on an install already in the keystore).
//! `IKD_CONSOLE=petugas` opens the officer's console instead (a counter PC), with
//! `IKD_OFFICER_CAMERA` for its scanner.

fn main() -> anyhow::Result<()> {
    let dir = match std::env::var_os("IKD_APP_DIR") {
        Some(d) => std::path::PathBuf::from(d),
        None => std::env::var_os("XDG_DATA_HOME")
            .map(std::path::PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".local/share"))
            })
            .unwrap_or_else(|| std::path::PathBuf::from("."))
            .join("ikd"),
    };
    let (store, kind) =
        ikd::store::open_device_store(&dir, std::env::var("IKD_STORE").as_deref() != Ok("file"))?;
    eprintln!("ikd: secrets in {kind:?}");
    let api = ikd::api::ApiClient::new(&ikd::network::service_url());
    // The officer's console on a counter PC: `IKD_CONSOLE=petugas`.
    if std::env::var("IKD_CONSOLE").as_deref() == Ok("petugas") {
        launch_console(ikd::officer::OfficerConfig {
            api,
            camera: desktop_camera("IKD_OFFICER_CAMERA"),
        });
        return Ok(());
    }
    let config = ikd::AppConfig {
        api,
        store,
        camera: desktop_camera("IKD_CAMERA"),
    };
    launch(config);
    Ok(())
}

/// The camera the variable names, else the computer's own where this build has it.
fn desktop_camera(var: &str) -> ikd::camera::Camera {
    #[cfg(feature = "native-camera")]
    return ikd::camera::Camera::for_desktop(var);
    #[cfg(not(feature = "native-camera"))]
    ikd::camera::Camera::from_var(var)
}

#[cfg(feature = "desktop")]
fn launch(config: ikd::AppConfig) {
    desktop("IKD — Identitas Kependudukan Digital", (400.0, 760.0))
        .with_context(config)
        .launch(ikd::App);
}

#[cfg(feature = "desktop")]
fn launch_console(config: ikd::officer::OfficerConfig) {
    desktop("IKD — Konsol Petugas", (1024.0, 800.0))
        .with_context(config)
        .launch(ikd::officer::OfficerApp);
}

/// A desktop window of the given title and size, with the app's stylesheet.
#[cfg(feature = "desktop")]
fn desktop(title: &str, (w, h): (f64, f64)) -> dioxus::LaunchBuilder {
    use dioxus::desktop::{Config, LogicalSize, WindowBuilder};
    let window = WindowBuilder::new()
        .with_title(title)
        .with_inner_size(LogicalSize::new(w, h));
    let cfg = Config::new()
        .with_window(window)
        .with_menu(None)
        .with_custom_head(format!("<style>{}</style>", ikd::STYLE));
    dioxus::LaunchBuilder::desktop().with_cfg(cfg)
}

#[cfg(not(feature = "desktop"))]
fn launch_console(_: ikd::officer::OfficerConfig) {
    eprintln!("the officer's console runs on desktop or in the browser renderer (ikd-web)");
}

#[cfg(all(feature = "mobile", not(feature = "desktop")))]
fn launch(config: ikd::AppConfig) {
    // Camera and internet permissions are in android/AndroidManifest.xml and ios/Info.plist.
    #[cfg(target_os = "android")]
    block_screenshots();
    let cfg =
        dioxus::mobile::Config::new().with_custom_head(format!("<style>{}</style>", ikd::STYLE));
    dioxus::LaunchBuilder::mobile()
        .with_cfg(cfg)
        .with_context(config)
        .launch(ikd::App);
}

/// FLAG_SECURE on the app's window: no screenshots, screen recordings or recents thumbnails.
/// Set once for the whole app: every screen after Masuk shows identity data (the KTP-el,
/// the identity QR, the KK) and the PIN pad comes before them. Window flags belong to the
/// UI thread; wry's `dispatch` runs the call there.
#[cfg(all(feature = "mobile", not(feature = "desktop"), target_os = "android"))]
fn block_screenshots() {
    use dioxus::mobile::wry::prelude::{dispatch, jni::objects::JValue};
    /// `WindowManager.LayoutParams.FLAG_SECURE`
    const FLAG_SECURE: i32 = 0x2000;
    dispatch(|env, activity, _webview| {
        let window = env
            .call_method(activity, "getWindow", "()Landroid/view/Window;", &[])
            .and_then(|w| w.l());
        let set = window.and_then(|window| {
            env.call_method(&window, "addFlags", "(I)V", &[JValue::Int(FLAG_SECURE)])
        });
        if set.is_err() {
            let _ = env.exception_clear();
            eprintln!("ikd: the window could not be marked secure; screenshots stay possible");
        }
    });
}

#[cfg(not(any(feature = "desktop", feature = "mobile")))]
fn launch(_: ikd::AppConfig) {
    eprintln!(
        "built without a renderer: enable `desktop` or `mobile`, or run the browser renderer (ikd-web)"
    );
}
