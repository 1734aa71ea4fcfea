//! Tinjauan jarak jauh: device changes (Ganti perangkat) waiting for an officer, oldest first,
//! decided without the person at the counter and without a QR. An approval makes the move
//! wait 24 h, during which the old phone and the registered email can cancel it. The queue
//! is asked again every 15 s while no review is open.

use std::time::Duration;

use dioxus::prelude::*;
use ikd_core::api::{RegistrationReview, RemoteDecision, RemoteReviewItem};

use super::review::{ReviewPanel, Verdict};
use super::use_console;
use crate::api::ClientError;
use crate::components::{ErrorNote, Progress};
use crate::i18n::t;
use crate::unix_now;

#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Approved,
    Rejected,
}

#[component]
pub fn RemoteQueue() -> Element {
    let mut c = use_console();
    let l = c.lang();
    let mut items = use_signal(|| None::<Vec<RemoteReviewItem>>);
    let mut total = use_signal(|| 0_i64);
    let mut review = use_signal(|| None::<RegistrationReview>);
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<ClientError>);
    let mut outcome = use_signal(|| None::<Outcome>);

    let mut reload = move || {
        let Some(token) = c.token() else { return };
        spawn(async move {
            match c.api().remote_reviews(&token).await {
                Ok(q) => {
                    error.set(None);
                    total.set(q.total);
                    items.set(Some(q.items));
                }
                Err(e) => error.set(Some(c.check(e))),
            }
        });
    };
    use_future(move || async move {
        loop {
            if review.peek().is_none() && !*busy.peek() {
                reload();
            }
            tokio::time::sleep(Duration::from_secs(15)).await;
        }
    });
    let mut open = move |id: String| {
        let Some(token) = c.token() else { return };
        busy.set(true);
        error.set(None);
        outcome.set(None);
        spawn(async move {
            let r = c.api().remote_review(&token, &id).await;
            busy.set(false);
            match r {
                Ok(r) => review.set(Some(r)),
                Err(e) => {
                    error.set(Some(c.check(e)));
                    reload();
                }
            }
        });
    };
    let decide = move |verdict: Verdict| {
        let Some(id) = review.peek().as_ref().map(|r| r.registration_id.clone()) else {
            return;
        };
        let Some(token) = c.token() else { return };
        busy.set(true);
        error.set(None);
        spawn(async move {
            let approve = verdict.approve;
            let body = RemoteDecision {
                approve,
                reason: verdict.reason,
            };
            let r = c.api().remote_decide(&token, &id, &body).await;
            busy.set(false);
            match r {
                Ok(()) => {
                    review.set(None);
                    outcome.set(Some(if approve {
                        Outcome::Approved
                    } else {
                        Outcome::Rejected
                    }));
                    reload();
                }
                Err(e) => error.set(Some(c.check(e))),
            }
        });
    };

    if let Some(r) = review() {
        return rsx! {
            div { class: "console-page", id: "remote-reviews",
                ReviewPanel {
                    key: "{r.registration_id}",
                    review: r,
                    remote: true,
                    busy: busy(),
                    error: error(),
                    on_decide: decide,
                    on_back: move |_| { review.set(None); error.set(None); reload(); },
                }
            }
        };
    }
    let now = unix_now();
    rsx! {
        div { class: "console-page", id: "remote-reviews",
            h2 { {t(l, "Tinjauan jarak jauh: ganti perangkat", "Remote review: device changes")} }
            p { class: "hint", {t(l,
                "Warga yang NIK-nya aktif di ponsel lain mendaftar dari ponsel baru. Cocokkan swafoto dengan foto registri. Bila disetujui, akun pindah 24 jam kemudian; ponsel lama dan email terdaftar dapat membatalkannya.",
                "Citizens whose NIK is active on another phone registered from a new one. Compare the selfie with the registry photo. If approved, the account moves 24 hours later; the old phone and the registered email can cancel it.")} }
            match outcome() {
                Some(Outcome::Approved) => rsx! {
                    div { class: "card success", id: "remote-done", "data-outcome": "approved", role: "status",
                        strong { {t(l, "Disetujui.", "Approved.")} }
                        p { class: "hint", {t(l, "Kode aktivasi dikirim ke email baru warga; ponsel lama dan email terdaftar diberi tahu. Pindah berlaku 24 jam lagi.",
                            "The activation code went to the citizen's new email; the old phone and the registered email are told. The move takes effect in 24 hours.")} }
                    }
                },
                Some(Outcome::Rejected) => rsx! {
                    div { class: "card rejected", id: "remote-done", "data-outcome": "rejected", role: "status",
                        strong { {t(l, "Ditolak.", "Rejected.")} }
                        p { class: "hint", {t(l, "Warga melihat alasannya di ponsel barunya.", "The citizen sees the reason on the new phone.")} }
                    }
                },
                None => rsx! {},
            }
            if let Some(e) = error() {
                ErrorNote { error: e }
            }
            if busy() {
                Progress { label: t(l, "Membuka pendaftaran…", "Opening the registration…") }
            }
            match items() {
                // A first load that failed shows its error above, with no spinner.
                None if error().is_some() => rsx! {},
                None => rsx! { Progress { label: t(l, "Memuat antrean…", "Loading the queue…") } },
                Some(list) if list.is_empty() => rsx! {
                    p { class: "card", id: "remote-empty", {t(l, "Tidak ada pindah perangkat yang menunggu tinjauan.", "No device change is waiting for a review.")} }
                },
                Some(list) => rsx! {
                    p { class: "hint", id: "remote-total",
                        {t(l, "Menunggu: ", "Waiting: ")} "{total()}"
                        if total() > list.len() as i64 {
                            {t(l, " (yang terlama ditampilkan lebih dulu)", " (the oldest are shown first)")}
                        }
                    }
                    ul { class: "plain remote-queue", id: "remote-queue",
                        for item in list {
                            li { key: "{item.registration_id}",
                                button { r#type: "button", class: "remote-item", "data-id": "{item.registration_id}",
                                    disabled: busy(),
                                    onclick: {
                                        let id = item.registration_id.clone();
                                        move |_| open(id.clone())
                                    },
                                    strong { "{item.nama}" }
                                    span { class: "hint", " · " {ago(l, now - item.created_at)} }
                                }
                            }
                        }
                    }
                },
            }
            button { r#type: "button", class: "secondary small", id: "remote-refresh", onclick: move |_| reload(),
                {t(l, "Muat ulang", "Refresh")} }
        }
    }
}

/// "12 menit lalu" / "12 min ago", in the unit a person reads.
fn ago(l: ikd_core::Lang, secs: i64) -> String {
    let secs = secs.max(0);
    let (n, id, en) = if secs < 3600 {
        ((secs / 60).max(1), "menit", "min")
    } else {
        (secs / 3600, "jam", "h")
    };
    format!("{n} {} ", t(l, id, en)) + t(l, "lalu", "ago")
}
