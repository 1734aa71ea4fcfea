//! Isi data: NIK, email and mobile number, each checked as the citizen types with the same
//! ikd-core rules the service applies, and explained when wrong.

use dioxus::prelude::*;
use ikd_core::api::StartRegistration;
use ikd_core::crypto::DeviceKey;
use ikd_core::{Email, Lang, Nik, PhoneNumber, UserError};

use crate::Route;
use crate::api::ClientError;
use crate::components::{ErrorNote, Progress, Steps, TextField, TopBar};
use crate::i18n::t;
use crate::session::{CONSENT_VERSION, Device, Pending, b64u, use_session};

/// The message for a field as typed so far: nothing while empty.
fn check<T, E: UserError>(
    value: &str,
    parse: fn(&str) -> Result<T, E>,
    l: Lang,
) -> Option<Result<T, String>> {
    let v = value.trim();
    (!v.is_empty()).then(|| parse(v).map_err(|e| e.message(l).to_owned()))
}

#[component]
pub fn DataEntry() -> Element {
    let mut s = use_session();
    let l = s.lang();
    let nav = use_navigator();
    let nik = use_signal(String::new);
    let email = use_signal(String::new);
    let phone = use_signal(String::new);
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<ClientError>);

    let nik_ok = check(&nik(), Nik::parse, l);
    let email_ok = check(&email(), Email::parse, l);
    let phone_ok = check(&phone(), PhoneNumber::parse, l);
    let ready = matches!(
        (&nik_ok, &email_ok, &phone_ok),
        (Some(Ok(_)), Some(Ok(_)), Some(Ok(_)))
    );
    let today = time::OffsetDateTime::now_utc().date();
    let nik_info = match &nik_ok {
        Some(Ok(n)) => {
            let born = n.birth_date(today);
            let place = n
                .region()
                .map(|r| format!("{}, {}", r.district.name, r.regency.name))
                .unwrap_or_default();
            Some(format!(
                "{place} · {:02}-{:02}-{} · {}",
                born.day(),
                u8::from(born.month()),
                born.year(),
                n.sex().label(l)
            ))
        }
        _ => None,
    };

    let mut submit = move || {
        let (Ok(n), Ok(e), Ok(p)) = (
            Nik::parse(nik().trim()),
            Email::parse(email().trim()),
            PhoneNumber::parse(phone().trim()),
        ) else {
            return;
        };
        busy.set(true);
        error.set(None);
        spawn(async move {
            let result = async {
                let key = DeviceKey::generate().map_err(|_| ClientError::Protocol)?;
                let req = StartRegistration {
                    nik: n.clone(),
                    email: e,
                    phone: p,
                    consent_version: CONSENT_VERSION.to_owned(),
                    device_public_key: b64u(key.public().sec1()),
                };
                let started = s.api().start_registration(&req).await?;
                let device = Device::new(
                    n.as_str(),
                    &key,
                    Pending {
                        id: started.registration_id,
                        secret: started.secret,
                        qr: None,
                    },
                );
                s.set_device(Some(device))
                    .map_err(|_| ClientError::Protocol)?;
                Ok::<(), ClientError>(())
            }
            .await;
            busy.set(false);
            match result {
                Ok(()) => {
                    nav.push(Route::Selfie {});
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };

    rsx! {
        main { class: "screen",
            TopBar { title: t(l, "Isi data", "Your details"), back: move |_| { nav.push(Route::Consent {}); } }
            Steps { current: 3, total: 6 }
            section { class: "card",
                label { r#for: "nik", "NIK" }
                TextField { id: "nik", value: nik, focus: true, inputmode: "numeric", maxlength: "20", autocomplete: "off", placeholder: "16 digit" }
                match (&nik_ok, &nik_info) {
                    (Some(Err(m)), _) => rsx! { p { class: "error", id: "nik-error", role: "alert", "{m}" } },
                    (Some(Ok(_)), Some(info)) => rsx! { p { class: "ok", id: "nik-ok", "✓ {info}" } },
                    _ => rsx! { p { class: "hint", {t(l, "NIK tertera di KTP-el dan Kartu Keluarga.", "The NIK is printed on the KTP-el and the family card.")} } },
                }
                label { r#for: "email", "Email" }
                TextField { id: "email", value: email, r#type: "email", inputmode: "email", autocomplete: "email", placeholder: "nama@contoh.co.id" }
                match &email_ok {
                    Some(Err(m)) => rsx! { p { class: "error", id: "email-error", role: "alert", "{m}" } },
                    _ => rsx! { p { class: "hint", {t(l, "Kode aktivasi dikirim ke email ini.", "The activation code is sent to this email.")} } },
                }
                label { r#for: "phone", {t(l, "Nomor ponsel", "Mobile number")} }
                TextField { id: "phone", value: phone, on_enter: move |_| if ready && !busy() { submit() }, r#type: "tel", inputmode: "tel", autocomplete: "tel", placeholder: "08xx xxxx xxxx" }
                match &phone_ok {
                    Some(Err(m)) => rsx! { p { class: "error", id: "phone-error", role: "alert", "{m}" } },
                    _ => rsx! { p { class: "hint", {t(l, "Nomor seluler Indonesia: 08… atau +628…", "Indonesian mobile number: 08… or +628…")} } },
                }
            }
            if let Some(e) = error() {
                ErrorNote { error: e, on_retry: move |_| submit() }
            }
            if busy() {
                Progress { label: t(l, "Mengirim data…", "Sending your details…") }
            } else {
                button { r#type: "button", id: "isi-data", class: "primary", disabled: !ready,
                    onclick: move |_| submit(), "Isi data" }
            }
        }
    }
}
