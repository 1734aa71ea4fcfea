//! Registry photos from a folder: one file per resident, named by the NIK
//! (`3171011708850003.jpg`, `.jpeg` or `.png`, any case). Each must pass the checks a
//! selfie must pass, after its EXIF orientation is applied: JPEG or PNG, at most
//! [`selfie::MAX_BYTES`], 240–4096 px a side, lit, sharp, and exactly one face. The registry
//! keeps each one re-encoded by [`selfie::registry_jpeg`]: upright, at most 1024 px a side,
//! without the file's metadata. Files whose name starts with `.` are skipped.
//!
//! At most [`MAX_PHOTOS`] photos a run: the checked copies are held in memory until the
//! one transaction that stores them (about 60 kB each, so under a gigabyte). A larger
//! export is loaded in batches (by region, say), each CSV with its own photo folder.

use std::collections::BTreeMap;
use std::path::Path;

use ikd_core::{ErrorBody, Lang, Nik};

use super::{Lines, RowError};

/// Photos per run (see the module's documentation).
pub const MAX_PHOTOS: usize = 10_000;
use crate::selfie;

/// A checked photo, ready to store.
#[derive(Debug, Clone)]
pub struct RegistryPhotoFile {
    pub nik: Nik,
    /// The file it came from, for reports.
    pub file: String,
    /// The registry's copy (JPEG).
    pub jpeg: Vec<u8>,
}

fn problem(line: Option<u64>, file: &str, code: &str, id: String, en: String) -> RowError {
    RowError {
        line,
        field: "photo",
        file: Some(file.into()),
        error: ErrorBody {
            code: code.to_owned(),
            message: id,
            message_en: en,
        },
    }
}

/// Reads and checks every photo in `dir`.
///
/// `lines` is the line of each NIK of the CSV being imported: a photo for a NIK not in it is
/// refused (`PHOTO_UNKNOWN_NIK`). With `None` (updating photos of residents already in the
/// registry) any NIK is read here, and the registry refuses the ones it does not hold.
/// Every problem is returned, one per file; no photo is returned unless all are good.
pub fn read_dir(
    dir: &Path,
    lines: Option<&Lines>,
) -> Result<Vec<RegistryPhotoFile>, Vec<RowError>> {
    let unreadable_dir = |name: &str, e: std::io::Error| {
        problem(
            None,
            name,
            "PHOTO_DIR",
            "Folder foto atau isinya tidak dapat dibaca. Periksa izin aksesnya.".into(),
            format!("The photo folder or an entry in it cannot be read: {e}."),
        )
    };
    let entries =
        std::fs::read_dir(dir).map_err(|e| vec![unreadable_dir(&dir.display().to_string(), e)])?;
    // By NIK, then file name: the report's order does not depend on the file system.
    let mut files: BTreeMap<Nik, Vec<String>> = BTreeMap::new();
    let mut errors = Vec::new();
    for entry in entries {
        // An entry that cannot be read is a problem, not a resident without a photo.
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                errors.push(unreadable_dir(&dir.display().to_string(), e));
                continue;
            }
        };
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let stem_ext = name
            .rsplit_once('.')
            .filter(|(_, ext)| matches!(ext.to_ascii_lowercase().as_str(), "jpg" | "jpeg" | "png"));
        match stem_ext.map(|(stem, _)| Nik::parse(stem)) {
            Some(Ok(nik)) => files.entry(nik).or_default().push(name),
            _ => errors.push(problem(
                None,
                &name,
                "PHOTO_FILE_NAME",
                "Nama berkas foto harus NIK pemiliknya dengan akhiran .jpg, .jpeg atau .png."
                    .into(),
                "A photo file must be named by its owner's NIK, ending in .jpg, .jpeg or .png."
                    .into(),
            )),
        }
        if files.len() + errors.len() > MAX_PHOTOS {
            errors.push(problem(
                None,
                &dir.display().to_string(),
                "PHOTO_TOO_MANY",
                format!("Lebih dari {MAX_PHOTOS} foto; muat per bagian, tiap CSV dengan folder fotonya."),
                format!("More than {MAX_PHOTOS} photos; load in batches, each CSV with its photo folder."),
            ));
            return Err(errors);
        }
    }
    let mut out = Vec::with_capacity(files.len());
    for (nik, mut names) in files {
        names.sort();
        let line = lines.and_then(|l| l.get(&nik).copied());
        if names.len() > 1 {
            errors.push(problem(
                line,
                &names.join(", "),
                "PHOTO_DUPLICATE",
                "Ada lebih dari satu foto untuk NIK ini; sisakan satu.".into(),
                "There is more than one photo for this NIK; keep one.".into(),
            ));
            continue;
        }
        let name = &names[0];
        if lines.is_some() && line.is_none() {
            errors.push(problem(
                None,
                name,
                "PHOTO_UNKNOWN_NIK",
                "NIK pada nama berkas foto tidak ada di berkas CSV.".into(),
                "The NIK in the photo's file name is not in the CSV file.".into(),
            ));
            continue;
        }
        match check(&dir.join(name)) {
            Ok(jpeg) => out.push(RegistryPhotoFile {
                nik,
                file: name.clone(),
                jpeg,
            }),
            Err((code, id, en)) => errors.push(problem(line, name, code, id, en)),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// One file through the selfie's checks: the registry's JPEG, or why not.
fn check(path: &Path) -> Result<Vec<u8>, (&'static str, String, String)> {
    let too_large = || {
        let mb = selfie::MAX_BYTES / (1024 * 1024);
        (
            "PHOTO_TOO_LARGE",
            format!("Foto lebih dari {mb} MB."),
            format!("The photo is larger than {mb} MB."),
        )
    };
    let unreadable = || {
        (
            "PHOTO_UNDECODABLE",
            "Foto tidak dapat dibaca sebagai JPEG atau PNG.".to_owned(),
            "The photo cannot be read as a JPEG or PNG.".to_owned(),
        )
    };
    // A regular file only (not a FIFO or a device), and never more read than the limit.
    let file = std::fs::File::open(path).map_err(|_| unreadable())?;
    if !file.metadata().map_err(|_| unreadable())?.is_file() {
        return Err(unreadable());
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(file, selfie::MAX_BYTES as u64 + 1),
        &mut bytes,
    )
    .map_err(|_| unreadable())?;
    if bytes.len() > selfie::MAX_BYTES {
        return Err(too_large());
    }
    let img = selfie::decode(&bytes).map_err(|_| unreadable())?;
    let outcome = selfie::check_image(&img, Lang::Id).map_err(|_| unreadable())?;
    if !outcome.accepted {
        let failed = |lang| {
            outcome
                .checks
                .iter()
                .filter(|c| !c.passed)
                .map(|c| c.label(lang).to_owned())
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err((
            "PHOTO_CHECK_FAILED",
            format!(
                "Foto tidak lolos pemeriksaan: {} (wajah ditemukan: {}).",
                failed(Lang::Id),
                outcome.faces
            ),
            format!(
                "The photo fails the checks: {} (faces found: {}).",
                failed(Lang::En),
                outcome.faces
            ),
        ));
    }
    selfie::registry_jpeg(&img).map_err(|_| unreadable())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures")
                .join(name),
        )
        .unwrap()
    }

    const BUDI: &str = "3171011708850003";
    const SITI: &str = "3171015503880004";

    fn lines() -> Lines {
        [
            (Nik::parse(BUDI).unwrap(), 2),
            (Nik::parse(SITI).unwrap(), 3),
        ]
        .into()
    }

    #[test]
    fn photos_named_by_nik_are_read_upright_and_re_encoded() {
        let dir = tempfile::tempdir().unwrap();
        let turned = crate::selfie::testing::as_phone_stores(&fixture("one-face-astronaut.jpg"), 6);
        std::fs::write(dir.path().join(format!("{BUDI}.JPG")), turned).unwrap();
        std::fs::write(
            dir.path().join(format!("{SITI}.png")),
            fixture("one-face-camera.png"),
        )
        .unwrap();
        std::fs::write(dir.path().join(".DS_Store"), b"x").unwrap();
        let got = read_dir(dir.path(), Some(&lines())).unwrap();
        assert_eq!(got.len(), 2);
        for p in &got {
            assert!(p.jpeg.starts_with(&[0xff, 0xd8]), "stored as JPEG");
            let faces = crate::selfie::check_selfie(&p.jpeg, Lang::Id)
                .unwrap()
                .faces;
            assert_eq!(faces, 1, "{}", p.nik.as_str());
        }
    }

    #[test]
    fn every_bad_photo_is_reported_by_line_and_file_and_none_is_returned() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join(format!("{BUDI}.png")), fixture("no-face-cat.png")).unwrap();
        std::fs::write(d.join(format!("{SITI}.jpg")), b"not a picture").unwrap();
        std::fs::write(
            d.join("3171011708850099.jpg"),
            fixture("one-face-astronaut.jpg"),
        )
        .unwrap();
        std::fs::write(d.join("budi.jpg"), fixture("one-face-astronaut.jpg")).unwrap();
        let errors = read_dir(d, Some(&lines())).unwrap_err();
        let got: Vec<(Option<u64>, &str, &str)> = errors
            .iter()
            .map(|e| (e.line, e.file.as_deref().unwrap(), e.error.code.as_str()))
            .collect();
        let budi_png = format!("{BUDI}.png");
        let siti_jpg = format!("{SITI}.jpg");
        for want in [
            (Some(2), budi_png.as_str(), "PHOTO_CHECK_FAILED"),
            (Some(3), siti_jpg.as_str(), "PHOTO_UNDECODABLE"),
            (None, "3171011708850099.jpg", "PHOTO_UNKNOWN_NIK"),
            (None, "budi.jpg", "PHOTO_FILE_NAME"),
        ] {
            assert!(got.contains(&want), "{want:?} not in {got:?}");
        }
        assert_eq!(got.len(), 4);
        let no_face = &errors[errors.iter().position(|e| e.line == Some(2)).unwrap()];
        assert!(no_face.error.message.contains("Tepat satu wajah"));
        assert!(no_face.error.message_en.contains("faces found: 0"));
    }

    #[test]
    fn an_oversized_file_or_two_files_for_one_nik_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(
            d.join(format!("{BUDI}.jpg")),
            vec![0u8; selfie::MAX_BYTES + 1],
        )
        .unwrap();
        std::fs::write(
            d.join(format!("{SITI}.jpg")),
            fixture("one-face-astronaut.jpg"),
        )
        .unwrap();
        std::fs::write(
            d.join(format!("{SITI}.png")),
            fixture("one-face-camera.png"),
        )
        .unwrap();
        let errors = read_dir(d, Some(&lines())).unwrap_err();
        let codes: Vec<&str> = errors.iter().map(|e| e.error.code.as_str()).collect();
        assert_eq!(codes, ["PHOTO_TOO_LARGE", "PHOTO_DUPLICATE"]);
    }

    #[test]
    fn in_update_mode_any_nik_is_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("3171011708850099.jpg"),
            fixture("one-face-astronaut.jpg"),
        )
        .unwrap();
        assert_eq!(read_dir(dir.path(), None).unwrap().len(), 1);
    }
}
