//! Cameras for the selfie: the webview's or browser's own camera (`getUserMedia`, on the
//! phone, in the browser renderer and in the desktop webview), or a **virtual camera** that
//! plays given images as its live picture (for tests and the emulator's camera), chosen by
//! `IKD_CAMERA=virtual:/path/a.jpg,/path/b.jpg`. On desktop the computer's own camera is
//! used through nokhwa ([`native`]; `IKD_CAMERA=native:N` picks camera N).

use std::path::PathBuf;

#[cfg(feature = "native-camera")]
pub mod native;

use base64::Engine as _;

#[derive(Debug, Clone, PartialEq)]
pub enum Camera {
    /// The platform webview's camera.
    Webview,
    /// Frames played in turn; a capture takes the frame on screen.
    Virtual(Vec<PathBuf>),
    /// The computer's own camera through nokhwa (desktop builds).
    #[cfg(feature = "native-camera")]
    Native(native::NativeCamera),
}

impl Camera {
    /// From `IKD_CAMERA` (`virtual:FILE[,FILE…]`); the webview's camera otherwise.
    pub fn from_env() -> Self {
        Self::from_var("IKD_CAMERA")
    }

    /// From the named variable (`IKD_OFFICER_CAMERA` for the counter's scanner).
    pub fn from_var(name: &str) -> Self {
        std::env::var(name)
            .ok()
            .and_then(|v| Self::parse(&v))
            .unwrap_or(Camera::Webview)
    }

    /// The desktop app's camera: the variable's choice, else the computer's own camera.
    #[cfg(feature = "native-camera")]
    pub fn for_desktop(name: &str) -> Self {
        std::env::var(name)
            .ok()
            .and_then(|v| Self::parse(&v))
            .unwrap_or_else(|| Camera::Native(native::NativeCamera::new(0)))
    }

    /// `virtual:FILE[,FILE…]`, `native[:N]` (desktop builds) or `webview`.
    pub fn parse(spec: &str) -> Option<Self> {
        if spec == "webview" {
            return Some(Camera::Webview);
        }
        #[cfg(feature = "native-camera")]
        if let Some(rest) = spec.strip_prefix("native") {
            let index = match rest.strip_prefix(':') {
                Some(n) => n.parse().ok()?,
                None if rest.is_empty() => 0,
                None => return None,
            };
            return Some(Camera::Native(native::NativeCamera::new(index)));
        }
        let files = spec.strip_prefix("virtual:")?;
        let frames: Vec<PathBuf> = files
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(|s| PathBuf::from(s.trim()))
            .collect();
        (!frames.is_empty()).then_some(Camera::Virtual(frames))
    }

    /// The picture on screen now: the virtual camera's frame `tick`, the computer's camera's
    /// frame, or the webview camera's current frame (from `<video id="camera-video">`); or
    /// why not, named as the browser names camera errors (`NotFoundError`,
    /// `NotReadableError`, `CaptureFailed`).
    pub async fn frame(&self, tick: usize) -> Result<Vec<u8>, String> {
        let shot = match self {
            Camera::Virtual(_) => self.virtual_frame(tick),
            #[cfg(feature = "native-camera")]
            Camera::Native(cam) => return cam.frame().await.map_err(|e| e.to_string()),
            Camera::Webview => {
                let mut ev = dioxus::prelude::document::eval(CAPTURE_JS);
                ev.recv::<String>()
                    .await
                    .ok()
                    .and_then(|u| from_data_url(&u))
            }
        };
        shot.ok_or_else(|| "CaptureFailed".to_owned())
    }

    /// Frame `tick` of the virtual camera's picture (bytes), cycling through its files.
    pub fn virtual_frame(&self, tick: usize) -> Option<Vec<u8>> {
        match self {
            Camera::Virtual(frames) => std::fs::read(&frames[tick % frames.len()]).ok(),
            _ => None,
        }
    }

    /// Whether the picture comes from the webview's own `<video>` (else the app shows frames).
    pub fn is_webview(&self) -> bool {
        matches!(self, Camera::Webview)
    }

    /// Releases the camera (leaving the screen, or after the capture): the webview's stream,
    /// or the device the app opened itself. Stopping a stopped camera does nothing.
    pub fn stop(&self) {
        match self {
            Camera::Webview => {
                let _ = dioxus::prelude::document::eval(STOP_JS);
            }
            #[cfg(feature = "native-camera")]
            Camera::Native(cam) => cam.stop(),
            Camera::Virtual(_) => {}
        }
    }
}

/// What to do about a camera error (named as the browser names them), in the user's language.
pub fn advice(lang: ikd_core::Lang, why: &str) -> &'static str {
    use crate::i18n::t;
    match why {
        "NotFoundError" | "OverconstrainedError" => t(
            lang,
            "Kamera tidak ditemukan. Sambungkan kamera, lalu tekan Coba lagi.",
            "No camera was found. Connect a camera, then press Try again.",
        ),
        "NotReadableError" | "AbortError" => t(
            lang,
            "Kamera sedang dipakai aplikasi lain atau tidak merespons. Tutup aplikasi itu, lalu tekan Coba lagi.",
            "The camera is in use by another app or does not respond. Close that app, then press Try again.",
        ),
        _ => t(
            lang,
            "Kamera tidak dapat dipakai. Izinkan akses kamera untuk aplikasi ini, lalu coba lagi.",
            "The camera cannot be used. Allow camera access for this app, then try again.",
        ),
    }
}

/// `data:` URL of an image, for an `<img>` preview without a file server.
pub fn data_url(bytes: &[u8]) -> String {
    let mime = if bytes.starts_with(b"\x89PNG") {
        "image/png"
    } else {
        "image/jpeg"
    };
    format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// The image bytes of a `data:image/…;base64,…` URL (what the webview camera sends back).
pub fn from_data_url(url: &str) -> Option<Vec<u8>> {
    let (head, body) = url.split_once(',')?;
    if !head.starts_with("data:image/") || !head.ends_with(";base64") {
        return None;
    }
    base64::engine::general_purpose::STANDARD.decode(body).ok()
}

/// Starts the webview camera in the `<video id="camera-video">` element, facing `user` (the
/// selfie) or `environment` (the counter's scanner); sends back `"ok"` or the browser's error
/// name (`NotAllowedError`, `NotFoundError`…).
pub fn start_js(facing: &str) -> String {
    let facing = if facing == "environment" {
        "environment"
    } else {
        "user"
    };
    format!(
        r#"
(async () => {{
  try {{
    const v = document.getElementById('camera-video');
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {{ dioxus.send('NotSupportedError'); return; }}
    const s = await navigator.mediaDevices.getUserMedia({{ video: {{ facingMode: '{facing}', width: {{ ideal: 1280 }}, height: {{ ideal: 960 }} }}, audio: false }});
    window.__ikdStream = s;
    v.srcObject = s;
    await v.play();
    dioxus.send('ok');
  }} catch (e) {{ dioxus.send(e && e.name ? e.name : 'Error'); }}
}})();
"#
    )
}

/// Takes the current picture of the webview camera as a JPEG data URL (empty on failure).
pub const CAPTURE_JS: &str = r#"
(() => {
  const v = document.getElementById('camera-video');
  if (!v || !v.videoWidth) { dioxus.send(''); return; }
  const c = document.createElement('canvas');
  c.width = v.videoWidth; c.height = v.videoHeight;
  c.getContext('2d').drawImage(v, 0, 0);
  dioxus.send(c.toDataURL('image/jpeg', 0.9));
})();
"#;

/// Stops the webview camera's stream.
const STOP_JS: &str = r#"
(() => { if (window.__ikdStream) { window.__ikdStream.getTracks().forEach(t => t.stop()); window.__ikdStream = null; } })();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_virtual_camera_is_chosen_by_configuration_and_cycles_its_frames() {
        assert_eq!(Camera::parse("webcam"), None);
        assert_eq!(Camera::parse("virtual:"), None);
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.jpg"), dir.path().join("b.jpg"));
        std::fs::write(&a, b"\xff\xd8a").unwrap();
        std::fs::write(&b, b"\xff\xd8b").unwrap();
        let cam = Camera::parse(&format!("virtual:{}, {}", a.display(), b.display())).unwrap();
        assert_eq!(cam.virtual_frame(0).unwrap(), b"\xff\xd8a");
        assert_eq!(cam.virtual_frame(1).unwrap(), b"\xff\xd8b");
        assert_eq!(cam.virtual_frame(2).unwrap(), b"\xff\xd8a");
        assert_eq!(Camera::Webview.virtual_frame(0), None);
    }

    #[test]
    fn data_urls_round_trip_and_refuse_what_is_not_an_image() {
        let jpeg = b"\xff\xd8\xff\xe0 jpeg".to_vec();
        let url = data_url(&jpeg);
        assert!(url.starts_with("data:image/jpeg;base64,"));
        assert_eq!(from_data_url(&url).unwrap(), jpeg);
        assert_eq!(from_data_url("data:text/html;base64,PGI+"), None);
        assert_eq!(from_data_url(""), None);
    }
}
