//! Data saya as a readable PDF (issue 17, item 5; UU PDP No. 27/2022 art. 7): the signed
//! export of [`crate::wire::sign_export`] laid out on A4 pages, Bahasa Indonesia first and
//! English beside it, with the signed export itself attached.
//!
//! - The pages are drawn from the COSE_Sign1's **payload**, not from a copy beside it, so
//!   what is printed is what Dukcapil signed.
//! - The COSE_Sign1 is embedded as the attachment [`ATTACHMENT_NAME`] (PDF 32000-1 §7.11.4,
//!   an embedded file stream named in the catalog's `EmbeddedFiles`): a checker takes it out
//!   (any PDF reader, `pdfdetach`) and verifies it with [`crate::wire::verify_export`]
//!   against `/.well-known/ikd-keys`.
//! - Rendering is deterministic (no clock, no random ID): the same signed export gives the
//!   same bytes with the same version of this renderer (the PDF's `/Producer` names it), so
//!   a checker holding the verified attachment can render it again with that version and
//!   compare, which binds the readable pages to the signature too.
//!
//! Text uses three of the standard 14 fonts with WinAnsiEncoding (PDF 32000-1 §9.6.2.2,
//! Annex D), which every reader has, so nothing is embedded. Values are in Courier, whose
//! every glyph is 600/1000 em wide: lines are wrapped exactly without font metrics. The
//! PDF writer is typst's `pdf-writer`; the page layout here is ours because no maintained
//! crate lays out text with the standard fonts without pulling in a font engine.

use coset::{CborSerializable, CoseSign1};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::api::{MyData, RegistrationState};
use crate::crypto::hex;
use crate::error::Lang;
use crate::records::{card_date, printed};
use crate::region::TimeZone;
use crate::wire::{MAX_EXPORT_LEN, Profile};

/// The attachment's file name: the signed export, as `GET /me/data` gives it (COSE_Sign1).
pub const ATTACHMENT_NAME: &str = "ikd-data-saya.cose";

/// Why a PDF was not made.
#[derive(Debug, thiserror::Error)]
pub enum ExportPdfError {
    #[error("the signed export is larger than {MAX_EXPORT_LEN} bytes")]
    TooLarge,
    #[error("not a COSE_Sign1 with a payload")]
    NotCoseSign1,
    #[error("the payload is not a Data saya export: {0}")]
    NotExport(#[from] serde_json::Error),
}

// A4 in points (1/72 in).
const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 50.0;
/// The first baseline under the page header, and the lowest one above the footer.
const TOP: f32 = PAGE_H - 78.0;
const BOTTOM: f32 = 62.0;
const LINE: f32 = 12.0;
const TEXT_SIZE: f32 = 8.5;
const VALUE_SIZE: f32 = 8.5;
const HEADING_SIZE: f32 = 12.0;
/// Where values start, right of the labels.
const VALUE_X: f32 = 205.0;
/// Courier's advance width, em (every glyph).
const COURIER_EM: f32 = 0.6;

const HELVETICA: Name<'static> = Name(b"F1");
const HELVETICA_BOLD: Name<'static> = Name(b"F2");
const COURIER: Name<'static> = Name(b"F3");

/// Renders a signed Data saya export (the COSE_Sign1's bytes) as a PDF.
///
/// The signature is not checked here (the phone need not hold the issuer keys); the
/// attachment carries it to whoever checks.
///
/// # Errors
/// [`ExportPdfError`] when `cose_sign1` is too large, not a COSE_Sign1 with a payload, or its
/// payload is not a [`MyData`].
pub fn render_export_pdf(cose_sign1: &[u8]) -> Result<Vec<u8>, ExportPdfError> {
    if cose_sign1.len() > MAX_EXPORT_LEN {
        return Err(ExportPdfError::TooLarge);
    }
    let sign1 = CoseSign1::from_slice(cose_sign1).map_err(|_| ExportPdfError::NotCoseSign1)?;
    let payload = sign1
        .payload
        .as_deref()
        .ok_or(ExportPdfError::NotCoseSign1)?;
    let data: MyData = serde_json::from_slice(payload)?;
    let mut pages = Pages::new();
    write_data(&mut pages, &data);
    write_signature(&mut pages, &sign1.protected.header.key_id, cose_sign1);
    Ok(pages.finish(&data, cose_sign1))
}

/// The body, section by section.
fn write_data(p: &mut Pages, d: &MyData) {
    let zone = zone_of(d);
    let at = |unix: i64| zone.format(unix);
    let k = &d.ktp;
    p.title("Data saya / My data");
    p.paragraph(&format!(
        "Semua yang disimpan layanan IKD tentang pemilik NIK ini, per {}. Waktu dalam {}. \
         / Everything the IKD service holds about the owner of this NIK, as of {}. Times in {}.",
        at(d.generated_at),
        zone.abbreviation(),
        at(d.generated_at),
        zone.abbreviation(),
    ));

    p.heading("KTP-el (data kependudukan / population record)");
    p.field("NIK", k.nik.as_str());
    p.field("Nama / Name", &k.nama);
    p.field(
        "Tempat, tgl lahir / Born",
        &format!("{}, {}", k.tempat_lahir, card_date(k.tanggal_lahir)),
    );
    p.field("Jenis kelamin / Sex", k.jenis_kelamin.label(Lang::Id));
    p.field("Gol. darah / Blood type", &printed(&k.golongan_darah));
    p.field("Alamat / Address", &k.alamat);
    p.field("RT/RW", &k.rt_rw.to_string());
    p.field("Kel/Desa", &k.kelurahan_desa);
    p.field("Kecamatan / District", &k.kecamatan);
    p.field("Kabupaten/Kota / Regency", &k.kabupaten_kota);
    p.field("Provinsi / Province", &k.provinsi);
    p.field("Agama / Religion", &printed(&k.agama));
    p.field(
        "Status perkawinan / Marital",
        &printed(&k.status_perkawinan),
    );
    p.field("Pekerjaan / Occupation", &k.pekerjaan);
    p.field(
        "Kewarganegaraan / Nationality",
        &printed(&k.kewarganegaraan),
    );
    p.field(
        "Berlaku hingga / Valid until",
        &k.berlaku_hingga.label(Lang::Id),
    );
    p.field(
        "Terbit / Issued",
        &format!("{}, {}", k.tempat_terbit, card_date(k.tanggal_terbit)),
    );
    p.field(
        "Foto di registri / Registry photo",
        yes_no(d.registry_photo_on_record),
    );

    p.heading("Kartu Keluarga / Family card");
    match &d.kk {
        Some(kk) => {
            p.field("Nomor KK / KK number", kk.nomor_kk.as_str());
            p.field("Kepala keluarga / Head", &kk.kepala_keluarga);
            p.field(
                "Alamat / Address",
                &format!(
                    "{}, RT/RW {}, {}, {}, {}, {} {}",
                    kk.alamat,
                    kk.rt_rw,
                    kk.kelurahan_desa,
                    kk.kecamatan,
                    kk.kabupaten_kota,
                    kk.provinsi,
                    kk.kode_pos
                ),
            );
            p.field("Dikeluarkan / Issued", &card_date(kk.tanggal_dikeluarkan));
            for m in &kk.anggota {
                p.field(
                    m.hubungan.label(Lang::Id),
                    &format!(
                        "{} · NIK {} · {}, {} · {} · {} · {} · {} · {} · {} · ayah {} · ibu {}",
                        m.nama,
                        m.nik.as_str(),
                        m.tempat_lahir,
                        card_date(m.tanggal_lahir),
                        m.jenis_kelamin.label(Lang::Id),
                        printed(&m.agama),
                        m.pendidikan,
                        m.pekerjaan,
                        printed(&m.status_perkawinan),
                        printed(&m.kewarganegaraan),
                        m.nama_ayah,
                        m.nama_ibu
                    ),
                );
            }
        }
        None => p.line("Tidak ada di registri. / Not in the registry."),
    }

    p.heading("Dokumen / Documents");
    if d.documents.is_empty() {
        p.line("Tidak ada. / None.");
    }
    for doc in &d.documents {
        let mut v = format!(
            "{} · {} · {}",
            doc.number,
            doc.issuer,
            card_date(doc.issued_on)
        );
        if let Some(until) = doc.valid_until {
            v.push_str(&format!(" s.d./until {}", card_date(until)));
        }
        for (name, value) in &doc.details {
            v.push_str(&format!(" · {name}: {value}"));
        }
        p.field(doc.kind.label(Lang::Id), &v);
    }

    let a = &d.account;
    p.heading("Akun IKD / IKD account");
    p.field("Email", &a.email);
    p.field("Nomor ponsel / Phone", &a.phone);
    p.field("Aktif sejak / Active since", &at(a.activated_at));
    p.field(
        "Perangkat / Device (SHA-256)",
        a.device_key_sha256.as_deref().unwrap_or("-"),
    );
    p.field(
        "PIN",
        if a.pin_set {
            "ada / set"
        } else {
            "belum / not set"
        },
    );
    p.field(
        "Terkunci / Locked",
        &match (a.locked_hard, a.locked_until) {
            (true, _) => "ya, 10 PIN salah / yes, 10 wrong PINs".to_owned(),
            (false, Some(u)) => format!("hingga / until {}", at(u)),
            (false, None) => "tidak / no".to_owned(),
        },
    );
    p.field(
        "Kredensial / Credentials",
        &match a.last_credential_at {
            Some(last) => format!(
                "{} diterbitkan / issued; terakhir / last {}",
                a.credentials_issued,
                at(last)
            ),
            None => format!("{} diterbitkan / issued", a.credentials_issued),
        },
    );

    p.heading("Pendaftaran dan persetujuan / Registrations and consents");
    if d.registrations.is_empty() {
        p.line("Tidak ada. / None.");
    }
    for r in &d.registrations {
        let mut v = format!(
            "{} · {} · persetujuan/consent {} · {} · {}",
            at(r.created_at),
            state_label(&r.state),
            r.consent_version,
            r.email,
            r.phone
        );
        if r.device_change {
            v.push_str(" · ganti perangkat/device change");
        }
        match (&r.decided_by, r.decided_at) {
            (Some(by), Some(when)) => {
                v.push_str(&format!(" · diputuskan/decided {by} {}", at(when)))
            }
            (Some(by), None) => v.push_str(&format!(" · diputuskan/decided {by}")),
            (None, Some(when)) => v.push_str(&format!(" · diputuskan/decided {}", at(when))),
            (None, None) => {}
        }
        if let Some(reason) = &r.reason {
            v.push_str(&format!(" · alasan/reason: {reason}"));
        }
        p.field(
            "Pendaftaran / Registration",
            &format!("{} · {v}", r.registration_id),
        );
    }

    let shown = d.activity.len();
    p.heading(&if d.activity_total > shown as i64 {
        format!(
            "Riwayat / Activity log ({shown} terbaru dari {} / newest {shown} of {})",
            d.activity_total, d.activity_total
        )
    } else {
        format!("Riwayat / Activity log ({shown} entri, terbaru dulu / entries, newest first)")
    });
    if d.activity.is_empty() {
        p.line("Tidak ada. / None.");
    }
    for e in &d.activity {
        let mut v = format!("{}  {}", at(e.at), e.kind.label(Lang::Id));
        if let Some(actor) = &e.actor {
            v.push_str(&format!(" · {actor}"));
        }
        if let Some(profile) = e.profile {
            v.push_str(&format!(" · profil {}", profile_label(profile)));
        }
        p.line(&v);
    }

    p.heading("Catatan audit / Audit log");
    if d.audit.is_empty() {
        p.line("Tidak ada. / None.");
    }
    for e in &d.audit {
        p.line(&format!("{}  {}  {}", at(e.at), e.actor, e.action));
    }
}

/// The last section: how to check the attachment.
fn write_signature(p: &mut Pages, kid: &[u8], cose_sign1: &[u8]) {
    p.heading("Tanda tangan / Signature");
    p.paragraph(&format!(
        "Berkas ini melampirkan {ATTACHMENT_NAME}: data di atas persis seperti ditandatangani \
         Dukcapil (COSE_Sign1, RFC 9052; ES256; data eksternal \"IKD data export v1\"). \
         Periksa lampiran itu dengan kunci publik penerbit di /.well-known/ikd-keys; \
         halaman ini dibuat dari isinya, sehingga lampiran yang sah dapat dicetak ulang \
         menjadi berkas yang sama persis."
    ));
    p.paragraph(&format!(
        "This file attaches {ATTACHMENT_NAME}: the data above exactly as Dukcapil signed it. \
         Check that attachment with the issuer's public keys at /.well-known/ikd-keys; \
         these pages are drawn from it, so a valid attachment renders again to exactly \
         this file."
    ));
    p.field("Kunci / Key (kid)", &hex(kid));
    p.field(
        "SHA-256 lampiran / attachment",
        &hex(&crate::crypto::sha256(cose_sign1)),
    );
}

/// The resident's time zone, by the province digits of the NIK.
fn zone_of(d: &MyData) -> TimeZone {
    TimeZone::of_province(d.ktp.nik.as_str()[..2].parse().unwrap_or(0))
}

fn yes_no(b: bool) -> &'static str {
    if b { "ya / yes" } else { "tidak / no" }
}

fn state_label(s: &RegistrationState) -> &'static str {
    match s {
        RegistrationState::AwaitingSelfie => "menunggu swafoto / awaiting selfie",
        RegistrationState::AwaitingOfficer => "menunggu petugas / awaiting officer",
        RegistrationState::Approved => "disetujui / approved",
        RegistrationState::Rejected => "ditolak / rejected",
        RegistrationState::Activated => "aktif / activated",
        RegistrationState::Expired => "kedaluwarsa / expired",
        RegistrationState::Superseded => "digantikan / superseded",
        RegistrationState::Cancelled => "dibatalkan / cancelled",
    }
}

fn profile_label(p: Profile) -> &'static str {
    match p {
        Profile::Full => "lengkap",
        Profile::Minimal => "minimal",
        Profile::AgeOver17 => "usia 17+",
        Profile::AgeOver21 => "usia 21+",
    }
}

/// Text as WinAnsiEncoding bytes (PDF 32000-1 Annex D.2): ASCII and Latin-1 as they are,
/// the few typographic marks WinAnsi moves to 0x80–0x9F, `?` for anything else.
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            ' '..='~' => c as u8,
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            '\u{2013}' => 0x96,
            '\u{2014}' => 0x97,
            '\u{2018}' => 0x91,
            '\u{2019}' => 0x92,
            '\u{201c}' => 0x93,
            '\u{201d}' => 0x94,
            '\u{2022}' => 0x95,
            '\u{2026}' => 0x85,
            '\t' | '\n' | '\r' => b' ',
            _ => b'?',
        })
        .collect()
}

/// Greedy word wrap of WinAnsi bytes to lines of at most `width` glyphs; a word longer than
/// a line is cut.
fn wrap(text: &[u8], width: usize) -> Vec<Vec<u8>> {
    assert!(width > 0, "a line holds at least one glyph");
    let mut lines = Vec::new();
    let mut line: Vec<u8> = Vec::new();
    for word in text.split(|b| *b == b' ').filter(|w| !w.is_empty()) {
        let mut word = word;
        loop {
            let need = if line.is_empty() {
                word.len()
            } else {
                line.len() + 1 + word.len()
            };
            if need <= width {
                if !line.is_empty() {
                    line.push(b' ');
                }
                line.extend_from_slice(word);
                break;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            let (head, rest) = word.split_at(width);
            lines.push(head.to_vec());
            word = rest;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Glyphs per line of `size`-point Courier across `points`.
fn glyphs(points: f32, size: f32) -> usize {
    (points / (COURIER_EM * size)) as usize
}

/// The pages' content streams as they fill, top to bottom.
struct Pages {
    pages: Vec<Content>,
    y: f32,
}

impl Pages {
    fn new() -> Self {
        Self {
            pages: vec![Content::new()],
            y: TOP,
        }
    }

    /// Room for `lines` more lines, or a new page.
    fn room(&mut self, lines: usize) {
        if self.y - LINE * lines as f32 + LINE < BOTTOM {
            self.pages.push(Content::new());
            self.y = TOP;
        }
    }

    fn text(&mut self, font: Name<'static>, size: f32, x: f32, bytes: &[u8]) {
        let y = self.y;
        let c = self.pages.last_mut().expect("a page is always open");
        c.begin_text();
        c.set_font(font, size);
        c.next_line(x, y);
        c.show(Str(bytes));
        c.end_text();
    }

    fn title(&mut self, text: &str) {
        self.text(HELVETICA_BOLD, 16.0, MARGIN, &win_ansi(text));
        self.y -= 20.0;
    }

    fn heading(&mut self, text: &str) {
        self.y -= 8.0;
        // A heading is never left alone at a page's foot.
        self.room(3);
        self.text(HELVETICA_BOLD, HEADING_SIZE, MARGIN, &win_ansi(text));
        self.y -= 4.0;
        let y = self.y;
        let c = self.pages.last_mut().expect("a page is always open");
        c.set_line_width(0.5);
        c.move_to(MARGIN, y);
        c.line_to(PAGE_W - MARGIN, y);
        c.stroke();
        self.y -= LINE;
    }

    /// Explanatory text across the page, in Helvetica. It wraps at Courier's width (0.6 em),
    /// wider than Helvetica's lower case: fine for our own sentences, which are mostly lower
    /// case (Helvetica's capitals are wider; `tests/it/my_data.rs` checks the margin).
    fn paragraph(&mut self, text: &str) {
        for l in wrap(&win_ansi(text), glyphs(PAGE_W - 2.0 * MARGIN, TEXT_SIZE)) {
            self.room(1);
            self.text(HELVETICA, TEXT_SIZE, MARGIN, &l);
            self.y -= LINE;
        }
        self.y -= 4.0;
    }

    /// A label left, its value right in Courier (wrapped within the value column).
    /// A long label (a document kind's name) wraps within its column, like the value.
    fn field(&mut self, label: &str, value: &str) {
        let values = wrap(
            &win_ansi(value),
            glyphs(PAGE_W - MARGIN - VALUE_X, VALUE_SIZE),
        );
        let labels = wrap(&win_ansi(label), glyphs(VALUE_X - MARGIN - 6.0, TEXT_SIZE));
        for i in 0..values.len().max(labels.len()) {
            self.room(1);
            if let Some(l) = labels.get(i) {
                self.text(HELVETICA, TEXT_SIZE, MARGIN, l);
            }
            if let Some(v) = values.get(i) {
                self.text(COURIER, VALUE_SIZE, VALUE_X, v);
            }
            self.y -= LINE;
        }
    }

    /// One entry across the page in Courier (wrapped, later lines indented).
    fn line(&mut self, text: &str) {
        let width = glyphs(PAGE_W - 2.0 * MARGIN, VALUE_SIZE);
        for (i, l) in wrap(&win_ansi(text), width - 2).iter().enumerate() {
            self.room(1);
            let x = if i == 0 {
                MARGIN
            } else {
                MARGIN + 2.0 * COURIER_EM * VALUE_SIZE
            };
            self.text(COURIER, VALUE_SIZE, x, l);
            self.y -= LINE;
        }
    }

    /// The document: pages with their header and footer, the fonts, the attachment.
    fn finish(mut self, d: &MyData, cose_sign1: &[u8]) -> Vec<u8> {
        let catalog_id = Ref::new(1);
        let tree_id = Ref::new(2);
        let fonts = [
            (HELVETICA, Ref::new(3), &b"Helvetica"[..]),
            (HELVETICA_BOLD, Ref::new(4), &b"Helvetica-Bold"[..]),
            (COURIER, Ref::new(5), &b"Courier"[..]),
        ];
        let info_id = Ref::new(6);
        let file_id = Ref::new(7);
        let spec_id = Ref::new(8);
        let page_ids: Vec<(Ref, Ref)> = (0..self.pages.len() as i32)
            .map(|i| (Ref::new(9 + 2 * i), Ref::new(10 + 2 * i)))
            .collect();

        let mut pdf = Pdf::new();
        {
            let mut catalog = pdf.catalog(catalog_id);
            catalog.pages(tree_id);
            catalog
                .names()
                .embedded_files()
                .names()
                .insert(Str(ATTACHMENT_NAME.as_bytes()), spec_id);
        }
        pdf.pages(tree_id)
            .kids(page_ids.iter().map(|(page, _)| *page))
            .count(page_ids.len() as i32);
        for (_, id, base) in fonts {
            pdf.type1_font(id)
                .base_font(Name(base))
                .encoding_predefined(Name(b"WinAnsiEncoding"));
        }
        pdf.document_info(info_id)
            .title(TextStr("Data saya (IKD)"))
            .creator(TextStr("IKD"))
            // What drew it: the same signed export renders to the same bytes with this version.
            .producer(TextStr(concat!("ikd-core ", env!("CARGO_PKG_VERSION"))));
        {
            let mut file = pdf.embedded_file(file_id, cose_sign1);
            file.subtype(Name(b"application/cose"));
            file.params().size(cose_sign1.len() as i32);
        }
        pdf.file_spec(spec_id)
            .path(Str(ATTACHMENT_NAME.as_bytes()))
            .unic_file(TextStr(ATTACHMENT_NAME))
            .description(TextStr(
                "Data saya bertanda tangan Dukcapil (COSE_Sign1) / Data saya signed by Dukcapil",
            ))
            .embedded_file(file_id);

        let total = self.pages.len();
        // The name in the header is cut to keep the line on the page (Helvetica capitals).
        let name: String = if d.ktp.nama.chars().count() > 40 {
            d.ktp.nama.chars().take(39).chain(['…']).collect()
        } else {
            d.ktp.nama.clone()
        };
        let header = win_ansi(&format!(
            "Data saya / My data · IKD · NIK {} · {name}",
            d.ktp.nik.as_str(),
        ));
        for (i, ((page_id, content_id), mut c)) in
            page_ids.iter().zip(self.pages.drain(..)).enumerate()
        {
            for (y, text) in [
                (PAGE_H - 36.0, header.clone()),
                (
                    30.0,
                    win_ansi(&format!(
                        "Halaman {} dari {total} / Page {} of {total} · lampiran / attachment {ATTACHMENT_NAME}",
                        i + 1,
                        i + 1
                    )),
                ),
            ] {
                c.begin_text();
                c.set_font(HELVETICA, 7.5);
                c.next_line(MARGIN, y);
                c.show(Str(&text));
                c.end_text();
            }
            let mut page = pdf.page(*page_id);
            page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
            page.parent(tree_id);
            page.contents(*content_id);
            let mut resources = page.resources();
            let mut font_dict = resources.fonts();
            for (name, id, _) in fonts {
                font_dict.pair(name, id);
            }
            font_dict.finish();
            resources.finish();
            page.finish();
            pdf.stream(*content_id, &c.finish());
        }
        pdf.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_wrap_within_the_width_and_long_ones_are_cut() {
        assert_eq!(
            wrap(b"satu dua tiga empat", 9),
            vec![b"satu dua".to_vec(), b"tiga".to_vec(), b"empat".to_vec()]
        );
        assert_eq!(
            wrap(b"0123456789abc x", 5),
            vec![b"01234".to_vec(), b"56789".to_vec(), b"abc x".to_vec()]
        );
        assert_eq!(wrap(b"", 5), vec![Vec::<u8>::new()]);
        for l in wrap(&[b'a'; 1000], 91) {
            assert!(l.len() <= 91);
        }
    }

    #[test]
    fn text_outside_win_ansi_becomes_a_question_mark_and_latin_1_stays() {
        assert_eq!(win_ansi("Ré·—漢"), vec![b'R', 0xe9, 0xb7, 0x97, b'?']);
    }

    fn sample(activity: usize) -> MyData {
        use crate::api::{Activity, ActivityKind, MyAccount};
        MyData {
            generated_at: 1_796_000_000,
            ktp: crate::records::tests::sample_ktp(),
            kk: None,
            documents: vec![],
            registry_photo_on_record: true,
            account: MyAccount {
                email: "siti@contoh.id".into(),
                phone: "081234567890".into(),
                activated_at: 1_795_000_000,
                device_key_sha256: Some("ab".repeat(32)),
                pin_set: true,
                locked_until: None,
                locked_hard: false,
                credentials_issued: 3,
                last_credential_at: Some(1_795_900_000),
            },
            registrations: vec![],
            activity: (0..activity)
                .map(|i| Activity {
                    at: 1_795_000_000 + i as i64,
                    kind: ActivityKind::Verified,
                    actor: Some("Bank Contoh".into()),
                    profile: Some(Profile::AgeOver17),
                })
                .collect(),
            activity_total: activity as i64,
            audit: vec![],
        }
    }

    fn signed(d: &MyData) -> Vec<u8> {
        let key = crate::crypto::IssuerKey::generate().unwrap();
        crate::wire::sign_export(&key, &serde_json::to_vec(d).unwrap()).unwrap()
    }

    #[test]
    fn the_same_signed_export_renders_to_the_same_bytes_with_itself_attached() {
        let cose = signed(&sample(3));
        let pdf = render_export_pdf(&cose).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert_eq!(render_export_pdf(&cose).unwrap(), pdf);
        assert!(pdf.windows(cose.len()).any(|w| w == cose));
    }

    #[test]
    fn a_long_activity_log_flows_onto_more_pages() {
        let n = |pdf: &[u8], pat: &[u8]| pdf.windows(pat.len()).filter(|w| *w == pat).count();
        let count = |pdf: &[u8]| n(pdf, b"/Type /Page") - n(pdf, b"/Type /Pages");
        let short = render_export_pdf(&signed(&sample(3))).unwrap();
        let long = render_export_pdf(&signed(&sample(5_000))).unwrap();
        // 5 000 one-line entries at 12 pt on 702 pt of page: at least 85 pages.
        assert!(count(&short) <= 2, "{} pages", count(&short));
        assert!(count(&long) >= 85, "{} pages", count(&long));
    }

    #[test]
    fn anything_but_a_signed_export_is_refused() {
        assert!(matches!(
            render_export_pdf(b"not cbor"),
            Err(ExportPdfError::NotCoseSign1)
        ));
        let key = crate::crypto::IssuerKey::generate().unwrap();
        let other = crate::wire::sign_export(&key, br#"{"nik":"3171011708850003"}"#).unwrap();
        assert!(matches!(
            render_export_pdf(&other),
            Err(ExportPdfError::NotExport(_))
        ));
    }
}
