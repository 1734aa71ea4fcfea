//! The desktop's own camera through nokhwa (V4L2 on Linux, AVFoundation, Media Foundation).
//!
//! A nokhwa camera is not `Send`, so one thread owns it and answers frame requests; the
//! device is opened on the first request and released when [`NativeCamera::stop`] is called
//! (leaving the screen) or the last handle goes.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType};

/// Why no picture came.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NativeError {
    /// No camera at that index (none attached, or unplugged).
    #[error("NotFoundError")]
    NotFound,
    /// The device exists but would not open or stream (busy, or no permission).
    #[error("NotReadableError")]
    NotReadable,
    /// A frame that could not be turned into a picture.
    #[error("CaptureFailed")]
    Frame,
}

type Reply = tokio::sync::oneshot::Sender<Result<Vec<u8>, NativeError>>;

/// A handle on camera `index`; clones share the device.
#[derive(Debug, Clone)]
pub struct NativeCamera {
    index: u32,
    worker: Arc<Mutex<Option<mpsc::Sender<Reply>>>>,
}

impl PartialEq for NativeCamera {
    fn eq(&self, other: &Self) -> bool {
        self.index == other.index
    }
}

impl NativeCamera {
    pub fn new(index: u32) -> Self {
        NativeCamera {
            index,
            worker: Arc::default(),
        }
    }

    /// The picture on screen now, as JPEG; opens the device on first use, and again after
    /// it failed (a retry after plugging the camera in).
    pub async fn frame(&self) -> Result<Vec<u8>, NativeError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        {
            let mut worker = self.worker.lock().map_err(|_| NativeError::NotReadable)?;
            let unsent = match worker.as_ref() {
                Some(sender) => sender.send(reply).err().map(|mpsc::SendError(r)| r),
                None => Some(reply),
            };
            if let Some(reply) = unsent {
                let sender = spawn_worker(self.index);
                let _ = sender.send(reply);
                *worker = Some(sender);
            }
        }
        // A worker that ended drops the reply: the device failed or went away.
        answer.await.map_err(|_| NativeError::NotReadable)?
    }

    /// Releases the device (its light goes off); the next frame opens it again.
    pub fn stop(&self) {
        if let Ok(mut worker) = self.worker.lock() {
            *worker = None;
        }
    }
}

fn spawn_worker(index: u32) -> mpsc::Sender<Reply> {
    let (tx, rx) = mpsc::channel::<Reply>();
    let spawned = std::thread::Builder::new()
        .name(format!("camera-{index}"))
        .spawn(move || {
            let mut camera = match open(index) {
                Ok(c) => c,
                Err(e) => {
                    // Answer what is waiting and end: the next request opens afresh.
                    while let Ok(reply) = rx.try_recv() {
                        let _ = reply.send(Err(e.clone()));
                    }
                    return;
                }
            };
            while let Ok(reply) = rx.recv() {
                let _ = reply.send(grab(&mut camera));
            }
            let _ = camera.stop_stream();
        });
    if spawned.is_err() {
        // No thread: the dropped receiver makes every request fail as NotReadable.
        return mpsc::channel().0;
    }
    tx
}

fn open(index: u32) -> Result<nokhwa::Camera, NativeError> {
    let wanted = RequestedFormat::new::<RgbFormat>(RequestedFormatType::Closest(
        CameraFormat::new_from(1280, 960, FrameFormat::MJPEG, 30),
    ));
    let mut camera =
        nokhwa::Camera::new(CameraIndex::Index(index), wanted).map_err(|e| match e {
            nokhwa::NokhwaError::OpenDeviceError(..) | nokhwa::NokhwaError::GeneralError(_) => {
                NativeError::NotFound
            }
            _ => NativeError::NotReadable,
        })?;
    camera.open_stream().map_err(|_| NativeError::NotReadable)?;
    Ok(camera)
}

/// One frame as JPEG: an MJPEG frame is one already (checked to decode, as some cameras
/// send frames the service's decoder would refuse); other formats are converted.
fn grab(camera: &mut nokhwa::Camera) -> Result<Vec<u8>, NativeError> {
    let frame = camera.frame().map_err(|_| NativeError::NotReadable)?;
    if frame.source_frame_format() == FrameFormat::MJPEG {
        let jpeg = frame.buffer().to_vec();
        return match image::load_from_memory_with_format(&jpeg, image::ImageFormat::Jpeg) {
            Ok(_) => Ok(jpeg),
            Err(_) => Err(NativeError::Frame),
        };
    }
    let rgb = frame
        .decode_image::<RgbFormat>()
        .map_err(|_| NativeError::Frame)?;
    let (w, h) = rgb.dimensions();
    let rgb = image::RgbImage::from_raw(w, h, rgb.into_raw()).ok_or(NativeError::Frame)?;
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode_image(&rgb)
        .map_err(|_| NativeError::Frame)?;
    Ok(jpeg)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// These machines have no camera (`nokhwa::query` lists none): the app must say so and
    /// stay usable, and a retry must try the device again rather than hang.
    #[tokio::test]
    async fn a_missing_camera_is_reported_and_retried_not_hung() {
        let listed = nokhwa::query(nokhwa::utils::ApiBackend::Auto).unwrap_or_default();
        if !listed.is_empty() {
            eprintln!("a camera is attached here; the no-camera path is not exercised");
            return;
        }
        let cam = NativeCamera::new(0);
        let first = cam.frame().await;
        assert!(
            matches!(first, Err(NativeError::NotFound | NativeError::NotReadable)),
            "{first:?}"
        );
        let again = tokio::time::timeout(std::time::Duration::from_secs(10), cam.frame())
            .await
            .expect("a second request is answered");
        assert!(again.is_err());
        cam.stop();
    }
}
