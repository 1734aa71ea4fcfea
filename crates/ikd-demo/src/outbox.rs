//! `/demo/outbox`: the activation emails of the mail outbox as a page, newest first. Demo
//! only: a real deployment sends through SMTP and has no such page.

use std::path::PathBuf;

use axum::Router;
use axum::response::Html;
use axum::routing::get;

/// Most messages the page shows.
const SHOWN: usize = 20;

/// The page's headers (OWASP ASVS v4 V14.4): no script at all, its own inline style, no
/// framing, no sniffing, no referrer, nothing cached (the codes are secrets).
const HEADERS: [(&str, &str); 6] = [
    (
        "content-security-policy",
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    ),
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    (
        "permissions-policy",
        "camera=(), microphone=(), geolocation=()",
    ),
    ("cache-control", "no-store"),
];

pub fn router(outbox: PathBuf) -> Router {
    Router::new().route(
        "/demo/outbox",
        get(move || {
            let outbox = outbox.clone();
            async move { (HEADERS, Html(page(&outbox))) }
        }),
    )
}

fn page(outbox: &std::path::Path) -> String {
    let mut mails: Vec<(std::time::SystemTime, String)> = std::fs::read_dir(outbox)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .filter_map(|e| {
            let modified = e.metadata().ok()?.modified().ok()?;
            Some((modified, std::fs::read_to_string(e.path()).ok()?))
        })
        .collect();
    mails.sort_by_key(|m| std::cmp::Reverse(m.0));
    let mut body = String::new();
    for (_, raw) in mails.iter().take(SHOWN) {
        let (head, text) = raw
            .split_once("\r\n\r\n")
            .or_else(|| raw.split_once("\n\n"))
            .unwrap_or((raw, ""));
        let header = |name: &str| {
            head.lines()
                .find_map(|l| l.strip_prefix(name))
                .map(str::trim)
                .unwrap_or("")
                .to_owned()
        };
        let text = if header("Content-Transfer-Encoding:").eq_ignore_ascii_case("quoted-printable")
        {
            quoted_printable(text)
        } else {
            text.to_owned()
        };
        body.push_str(&format!(
            "<article class=\"card\"><p class=\"hint\">{} · {}</p><h3>{}</h3><pre>{}</pre></article>",
            escape(&header("Date:")),
            escape(&header("To:")),
            escape(&header("Subject:")),
            escape(&text)
        ));
    }
    if mails.is_empty() {
        body.push_str("<p class=\"card\">Belum ada email. Setelah petugas menyetujui pendaftaran, email kode aktivasi muncul di sini. / No emails yet: once an officer approves a registration, the activation email appears here.</p>");
    }
    format!(
        r#"<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>IKD demo — outbox</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><meta http-equiv="refresh" content="5">
<style>{css} pre {{ white-space: pre-wrap; font-size: 15px; }}</style></head>
<body><main class="screen"><h1>Kotak keluar email (demo)</h1>
<p class="hint">Email aktivasi yang dikirim layanan ({n} terbaru; halaman diperbarui tiap 5 detik). Activation emails sent by the service.</p>
{body}</main></body></html>"#,
        css = ikd::STYLE,
        n = mails.len().min(SHOWN),
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Quoted-printable body text (RFC 2045): soft line breaks joined, `=XX` bytes decoded.
fn quoted_printable(s: &str) -> String {
    let s = s.replace("=\r\n", "").replace("=\n", "");
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_printable_joins_soft_breaks_and_decodes_bytes() {
        assert_eq!(
            quoted_printable("disetujui petug=\nas. Kode=3A 123456 caf=C3=A9="),
            "disetujui petugas. Kode: 123456 café="
        );
    }

    #[test]
    fn the_page_shows_the_newest_mail_decoded_and_escaped() {
        let dir = std::env::temp_dir().join(format!("ikd-outbox-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("a.eml"),
            "To: a@contoh.id\nSubject: Kode <aktivasi>\nContent-Transfer-Encoding: quoted-printable\n\nKode aktivasi: 123456 petug=\nas\n",
        )
        .unwrap();
        let html = page(&dir);
        assert!(html.contains("Kode aktivasi: 123456 petugas"));
        assert!(html.contains("Kode &lt;aktivasi&gt;"));
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(page(&dir).contains("Belum ada email"));
    }
}
