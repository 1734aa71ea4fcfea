//! Cameras for the selfie: the webview's or browser's own camera (`getUserMedia`, on the
//! phone, in the browser renderer and in the desktop webview), or a **virtual camera** that
//! plays given images as its live picture (for tests and the emulator's camera), chosen by
//! `IKD_CAMERA=virtual:/path/a.jpg,/path/b.jpg`.

use std::path::PathBuf;

use base64::Engine as _;

#[derive(Debug, Clone, PartialEq)]
pub enum Camera {
    /// The platform webview's camera.
    Webview,
    /// Frames played in turn; a capture takes the frame on screen.
    Virtual(Vec<PathBuf>),
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

    pub fn parse(spec: &str) -> Option<Self> {
        let files = spec.strip_prefix("virtual:")?;
        let frames: Vec<PathBuf> = files
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(|s| PathBuf::from(s.trim()))
            .collect();
        (!frames.is_empty()).then_some(Camera::Virtual(frames))
    }

    /// The picture on screen now: the virtual camera's frame `tick`, or the webview
    /// camera's current frame (from `<video id="camera-video">`).
    pub async fn frame(&self, tick: usize) -> Option<Vec<u8>> {
        match self {
            Camera::Virtual(_) => self.virtual_frame(tick),
            Camera::Webview => {
                let mut ev = dioxus::prelude::document::eval(CAPTURE_JS);
                ev.recv::<String>()
                    .await
                    .ok()
                    .and_then(|u| from_data_url(&u))
            }
        }
    }

    /// Frame `tick` of the virtual camera's picture (bytes), cycling through its files.
    pub fn virtual_frame(&self, tick: usize) -> Option<Vec<u8>> {
        match self {
            Camera::Virtual(frames) => std::fs::read(&frames[tick % frames.len()]).ok(),
            Camera::Webview => None,
        }
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

/// Stops the webview camera (leaving the screen, or after the capture).
pub const STOP_JS: &str = r#"
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
