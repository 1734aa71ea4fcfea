//! Reading a QR at the counter, three ways: the camera (the browser's or webview's, or the
//! virtual camera's frames), an uploaded picture (a screenshot or photo), or pasted text.
//! Pictures are decoded here with the one decoder (`ikd_core::scan`, rxing); the text goes
//! to `on_text`.

use std::time::Duration;

use dioxus::prelude::*;

use crate::camera;
use crate::components::{Progress, TextArea};
use crate::i18n::t;
use crate::qr::{ScanError, decode_image};
use ikd_core::UserError as _;

/// Reads the chosen file of `<input id=…>` as a data URL (or an error word), then clears the
/// input so the same file can be chosen again.
fn read_file_js(input_id: &str) -> String {
    format!(
        r#"(async () => {{
  try {{
    const i = document.getElementById('{input_id}');
    const f = i && i.files && i.files[0];
    if (!f) {{ dioxus.send(''); return; }}
    if (f.size > {max}) {{ i.value = ''; dioxus.send('TOO_LARGE'); return; }}
    const url = await new Promise((ok, bad) => {{
      const r = new FileReader(); r.onload = () => ok(r.result); r.onerror = () => bad(r.error); r.readAsDataURL(f);
    }});
    i.value = '';
    dioxus.send(String(url));
  }} catch (e) {{ dioxus.send('UNREADABLE'); }}
}})();"#,
        max = crate::qr::MAX_SCAN_BYTES
    )
}

/// What the last attempt gave, shown under the scanner.
#[derive(Debug, Clone, PartialEq)]
enum Attempt {
    Failed(ScanError),
    Camera(String),
}

#[component]
pub fn QrScanner(
    /// Prefix of the element ids (`{id}-upload`, `{id}-text`…).
    id: String,
    on_text: EventHandler<String>,
    /// While the caller works on a text, the scanner waits.
    busy: bool,
) -> Element {
    let l = super::use_console().lang();
    let cam = super::use_console().config.peek().camera.clone();
    let is_webview = cam.is_webview();
    // What the camera sees, when the app fetches the frames itself (not a webview <video>).
    let mut seen = use_signal(|| None::<String>);
    let mut camera_on = use_signal(|| false);
    let mut attempt = use_signal(|| None::<Attempt>);
    let pasted = use_signal(String::new);
    let upload_id = format!("{id}-upload");

    // A copyable handle, so every closure below can release the camera.
    let cam_handle = use_signal(|| cam.clone());
    let mut stop_camera = move || {
        if camera_on() {
            camera_on.set(false);
            seen.set(None);
            cam_handle.peek().stop();
        }
    };
    use_drop(move || {
        if *camera_on.peek() {
            cam_handle.peek().stop();
        }
    });

    // While the camera is on, a frame is decoded a few times a second until one holds a QR.
    use_future(move || {
        let cam = cam.clone();
        async move {
            let mut every = tokio::time::interval(Duration::from_millis(600));
            let mut tick = 0usize;
            loop {
                every.tick().await;
                if !camera_on() {
                    continue;
                }
                tick += 1;
                let frame = match cam.frame(tick).await {
                    Ok(frame) => frame,
                    // The computer's camera is missing or busy: say so, offer the other ways.
                    Err(why) if !is_webview && why != "CaptureFailed" => {
                        camera_on.set(false);
                        cam.stop();
                        attempt.set(Some(Attempt::Camera(why)));
                        continue;
                    }
                    Err(_) => continue,
                };
                if !is_webview {
                    seen.set(Some(camera::data_url(&frame)));
                }
                if let Ok(text) = decode_image(&frame) {
                    camera_on.set(false);
                    seen.set(None);
                    cam.stop();
                    attempt.set(None);
                    on_text.call(text);
                }
            }
        }
    });

    let start_camera = move |_| {
        attempt.set(None);
        camera_on.set(true);
        if is_webview {
            spawn(async move {
                let mut ev = document::eval(&camera::start_js("environment"));
                match ev.recv::<String>().await {
                    Ok(r) if r == "ok" => {}
                    Ok(r) => {
                        camera_on.set(false);
                        attempt.set(Some(Attempt::Camera(r)));
                    }
                    Err(_) => {
                        camera_on.set(false);
                        attempt.set(Some(Attempt::Camera("Unsupported".into())));
                    }
                }
            });
        }
    };
    let js_upload_id = upload_id.clone();
    let uploaded = move |_| {
        stop_camera();
        let js = read_file_js(&js_upload_id);
        spawn(async move {
            let mut ev = document::eval(&js);
            let answer = ev.recv::<String>().await.unwrap_or_default();
            let result = match answer.as_str() {
                "" => return,
                "TOO_LARGE" => Err(ScanError::TooLarge),
                url => camera::from_data_url(url)
                    .ok_or(ScanError::NotAnImage)
                    .and_then(|bytes| decode_image(&bytes)),
            };
            match result {
                Ok(text) => {
                    attempt.set(None);
                    on_text.call(text);
                }
                Err(e) => attempt.set(Some(Attempt::Failed(e))),
            }
        });
    };
    let mut submit_text = move || {
        let text = pasted.peek().trim().to_owned();
        if !text.is_empty() {
            stop_camera();
            attempt.set(None);
            on_text.call(text);
        }
    };
    let live = if is_webview {
        rsx! { video { id: "camera-video", class: "photo live", autoplay: true, playsinline: true, muted: true } }
    } else if let Some(url) = seen() {
        rsx! { img { id: "camera-live", class: "photo live", alt: "camera", src: "{url}" } }
    } else {
        rsx! { Progress { label: t(l, "Menyalakan kamera…", "Starting the camera…") } }
    };

    rsx! {
        section { class: "card scanner", id: "{id}-scanner",
            div { class: "scan-ways",
                div { class: "scan-way",
                    h3 { {t(l, "Kamera", "Camera")} }
                    if camera_on() {
                        div { class: "camera", {live} }
                        p { class: "hint", role: "status", {t(l, "Arahkan kamera ke kode QR…", "Point the camera at the QR code…")} }
                        button { r#type: "button", class: "secondary small", id: "{id}-camera-stop", onclick: move |_| stop_camera(),
                            {t(l, "Matikan kamera", "Turn the camera off")} }
                    } else {
                        button { r#type: "button", class: "secondary", id: "{id}-camera-start", disabled: busy, onclick: start_camera,
                            {t(l, "Pindai dengan kamera", "Scan with the camera")} }
                    }
                }
                div { class: "scan-way",
                    h3 { {t(l, "Unggah gambar", "Upload a picture")} }
                    label { class: "secondary upload", r#for: "{upload_id}", {t(l, "Pilih gambar kode QR", "Choose a QR picture")} }
                    input { id: "{upload_id}", class: "visually-hidden", r#type: "file", accept: "image/png,image/jpeg",
                        disabled: busy, onchange: uploaded }
                }
                div { class: "scan-way",
                    h3 { {t(l, "Tempel teks", "Paste the text")} }
                    TextArea { id: "{id}-text", value: pasted, rows: 3, maxlength: "{ikd_core::wire::MAX_QR_TEXT_LEN}", placeholder: "IKDREG1:… / IKD2:…" }
                    button { r#type: "button", class: "secondary small", id: "{id}-text-submit",
                        disabled: busy || pasted.read().trim().is_empty(), onclick: move |_| submit_text(),
                        {t(l, "Periksa teks", "Check the text")} }
                }
            }
            match attempt() {
                Some(Attempt::Failed(e)) => rsx! {
                    div { class: "error-box", role: "alert", "data-code": "{e.code()}", p { class: "error", "{e.message(l)}" } }
                },
                Some(Attempt::Camera(why)) => rsx! {
                    div { class: "error-box", role: "alert", "data-code": "CAMERA",
                        p { class: "error",
                            {camera::advice(l, &why)}
                            {t(l, " Atau unggah gambar kode QR.", " Or upload a picture of the QR code.")}
                            " ({why})"
                        }
                    }
                },
                None => rsx! {},
            }
        }
    }
}
