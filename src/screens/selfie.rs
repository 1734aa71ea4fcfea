//! Ambil foto: a live picture from the camera (the webview's, the computer's own through
//! nokhwa, or the virtual camera's frames), capture, retake, send; the service's checks are
//! shown one by one.

use std::time::Duration;

use dioxus::prelude::*;
use ikd_core::api::SelfieResult;

use crate::Route;
use crate::api::ClientError;
use crate::camera::{self, Camera};
use crate::components::{ErrorNote, Progress, Steps, TopBar};
use crate::i18n::t;
use crate::session::use_session;

#[component]
pub fn Selfie() -> Element {
    let mut s = use_session();
    let l = s.lang();
    let nav = use_navigator();
    let cam = s.config.peek().camera.clone();
    let is_virtual = matches!(cam, Camera::Virtual(_));
    let is_webview = cam.is_webview();
    // The computer's own camera: the app fetches its frames.
    let is_native = !is_virtual && !is_webview;
    let mut live = use_signal(|| None::<Vec<u8>>);
    let mut tick = use_signal(|| 0usize);
    let mut captured = use_signal(|| None::<Vec<u8>>);
    let mut camera_error = use_signal(|| None::<String>);
    let mut busy = use_signal(|| false);
    let mut result = use_signal(|| None::<SelfieResult>);
    let mut error = use_signal(|| None::<ClientError>);
    // The picture as a data URL, encoded once per capture rather than at every render.
    let captured_url = use_memo(move || captured.read().as_deref().map(camera::data_url));

    // The virtual camera's live picture: its frames in turn.
    use_future(move || async move {
        if !is_virtual {
            return;
        }
        let mut every = tokio::time::interval(Duration::from_millis(700));
        loop {
            every.tick().await;
            if captured.peek().is_none() {
                tick += 1;
            }
        }
    });
    // The computer's camera: frames a few times a second until the capture; a failure
    // releases the device and waits for "Coba lagi".
    let cam_live = cam.clone();
    use_future(move || {
        let cam = cam_live.clone();
        async move {
            if !is_native {
                return;
            }
            let mut every = tokio::time::interval(Duration::from_millis(150));
            loop {
                every.tick().await;
                if captured.peek().is_some() || camera_error.peek().is_some() {
                    continue;
                }
                match cam.frame(0).await {
                    Ok(frame) => live.set(Some(frame)),
                    Err(why) => {
                        cam.stop();
                        camera_error.set(Some(why));
                    }
                }
            }
        }
    });
    // The webview camera starts once its <video> is on screen.
    let start_webview = move || {
        spawn(async move {
            let mut ev = document::eval(&camera::start_js("user"));
            match ev.recv::<String>().await {
                Ok(r) if r == "ok" => camera_error.set(None),
                Ok(r) => camera_error.set(Some(r)),
                Err(_) => camera_error.set(Some("Unsupported".into())),
            }
        });
    };
    use_effect(move || {
        if is_webview && captured.read().is_none() {
            start_webview();
        }
    });
    let mut retry_camera = move || {
        camera_error.set(None);
        if is_webview {
            start_webview();
        }
    };
    let cam_for_drop = cam.clone();
    use_drop(move || cam_for_drop.stop());

    let cam_for_capture = cam.clone();
    let capture = move |_| {
        let cam = cam_for_capture.clone();
        result.set(None);
        error.set(None);
        spawn(async move {
            match cam.frame(*tick.peek()).await {
                Ok(bytes) => {
                    captured.set(Some(bytes));
                    cam.stop();
                }
                Err(why) => camera_error.set(Some(why)),
            }
        });
    };
    let mut send = move || {
        let Some(bytes) = captured() else { return };
        let Some(pending) = s
            .device
            .peek()
            .as_ref()
            .and_then(|d| d.registration.clone())
        else {
            nav.push(Route::DataEntry {});
            return;
        };
        busy.set(true);
        error.set(None);
        spawn(async move {
            let r = s
                .api()
                .upload_selfie(&pending.id, &pending.secret, bytes)
                .await;
            busy.set(false);
            match r {
                Ok(res) if res.accepted => {
                    let mut device = s.device.peek().clone();
                    if let Some(reg) = device.as_mut().and_then(|d| d.registration.as_mut()) {
                        reg.qr = res.registration_qr.clone();
                    }
                    if s.set_device(device).is_ok() {
                        nav.push(Route::OfficerQr {});
                    }
                }
                Ok(res) => result.set(Some(res)),
                Err(e) => error.set(Some(e)),
            }
        });
    };

    let preview = match (captured_url(), &cam) {
        (Some(url), _) => {
            rsx! { img { id: "selfie-captured", class: "photo", alt: "selfie", src: "{url}" } }
        }
        (None, Camera::Virtual(_)) => {
            let frame = cam
                .virtual_frame(tick())
                .map(|b| camera::data_url(&b))
                .unwrap_or_default();
            rsx! { img { id: "camera-live", class: "photo live", alt: "camera", src: "{frame}" } }
        }
        (None, Camera::Webview) => rsx! {
            video { id: "camera-video", class: "photo live", autoplay: true, playsinline: true, muted: true }
        },
        #[cfg(feature = "native-camera")]
        (None, Camera::Native(_)) => match live.read().as_deref() {
            Some(frame) => {
                let url = camera::data_url(frame);
                rsx! { img { id: "camera-live", class: "photo live", alt: "camera", src: "{url}" } }
            }
            None if camera_error().is_none() => {
                rsx! { Progress { label: t(l, "Menyalakan kamera…", "Starting the camera…") } }
            }
            None => rsx! {},
        },
    };

    rsx! {
        main { class: "screen",
            TopBar { title: t(l, "Ambil foto", "Take a photo"), back: move |_| { nav.push(Route::DataEntry {}); } }
            Steps { current: 4, total: 6 }
            p { class: "hint", {t(l, "Lepas kacamata dan masker, hadapkan wajah ke kamera di tempat yang terang.",
                "Take off glasses and mask, face the camera in good light.")} }
            div { class: "camera", {preview} }
            if let Some(why) = camera_error() {
                div { class: "error-box", role: "alert", "data-code": "CAMERA",
                    p { class: "error",
                        {camera::advice(l, &why)}
                        " ({why})"
                    }
                    button { r#type: "button", class: "secondary", onclick: move |_| retry_camera(), {t(l, "Coba lagi", "Try again")} }
                }
            }
            if let Some(res) = result() {
                // Below a tall photo the verdict would be out of sight on a phone: bring it up,
                // with Ulangi under it.
                section { class: "card checks", id: "selfie-checks",
                    onmounted: move |e| async move {
                        let _ = e.scroll_to(ScrollBehavior::Smooth).await;
                    },
                    h3 { {t(l, "Foto belum dapat dipakai", "The photo cannot be used yet")} }
                    ul { class: "plain",
                        for c in res.checks.iter() {
                            li { key: "{c.check}", class: if c.passed { "ok" } else { "error" },
                                if c.passed { "✓ " } else { "✗ " }
                                {c.advice.as_deref().filter(|_| !c.passed).unwrap_or(c.label(l))}
                            }
                        }
                    }
                }
            }
            if let Some(e) = error() {
                ErrorNote { error: e, on_retry: move |_| send() }
            }
            if busy() {
                Progress { label: t(l, "Memeriksa foto…", "Checking the photo…") }
            } else if captured.read().is_some() {
                div { class: "row",
                    button { r#type: "button", id: "ulangi", class: "secondary",
                        onclick: move |_| { captured.set(None); result.set(None); }, {t(l, "Ulangi", "Retake")} }
                    button { r#type: "button", id: "kirim-foto", class: "primary", disabled: result().is_some(),
                        onclick: move |_| send(), {t(l, "Kirim", "Send")} }
                }
            } else {
                button { r#type: "button", id: "ambil-foto", class: "primary", onclick: capture, "Ambil foto" }
            }
        }
    }
}
