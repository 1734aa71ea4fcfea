//! Test hooks, compiled only with the `test-hooks` feature (which only the test suite turns
//! on) and active only when a test sets them on the state: the captcha answer, so tests can
//! activate without reading the image, a hard lock and a moved clock for the UI suite. A release build has
//! no such code at all.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};

use crate::app::AppState;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Default)]
pub struct Hooks {
    captchas: Arc<Mutex<HashMap<String, String>>>,
    /// The answer of the captcha issued last: for a UI test that cannot read the page.
    latest: Arc<Mutex<Option<String>>>,
}

impl Hooks {
    pub fn remember_captcha(&self, id: &str, answer: &str) {
        if let Ok(mut m) = self.captchas.lock() {
            m.insert(id.to_owned(), answer.to_owned());
        }
        if let Ok(mut l) = self.latest.lock() {
            *l = Some(answer.to_owned());
        }
    }

    pub fn latest_captcha_answer(&self) -> Option<String> {
        self.latest.lock().ok()?.clone()
    }

    pub fn captcha_answer(&self, id: &str) -> Option<String> {
        self.captchas.lock().ok()?.get(id).cloned()
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/test-hooks/captcha/{id}", get(answer))
        .route("/test-hooks/accounts/{nik}/hard-lock", post(hard_lock))
        .route("/test-hooks/clock/shift/{secs}", post(shift_clock))
}

/// Moves the service's clock by `secs` (back when negative, at most 30 days), for a UI test
/// that crosses a waiting period (a device change's 24 h) without waiting, then comes back
/// to the browser's time.
async fn shift_clock(State(state): State<AppState>, Path(secs): Path<i64>) -> Result<()> {
    if state.test_hooks.is_none() || secs == 0 || secs.abs() > 30 * 86_400 {
        return Err(Error::NotFound);
    }
    state.clock.advance(secs);
    Ok(())
}

/// Locks an account as 10 wrong PINs do, for a UI test of what follows (the escalating
/// waits between those PINs would take half an hour; the service's own tests go through
/// them with a moved clock).
async fn hard_lock(State(state): State<AppState>, Path(nik): Path<String>) -> Result<()> {
    if state.test_hooks.is_none() {
        return Err(Error::NotFound);
    }
    let done = sqlx::query("UPDATE accounts SET locked_hard = 1, failed_pins = $1 WHERE nik = $2")
        .bind(crate::routes::HARD_LOCK_AFTER)
        .bind(nik)
        .execute(&state.db.pool)
        .await?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

async fn answer(State(state): State<AppState>, Path(id): Path<String>) -> Result<String> {
    state
        .test_hooks
        .as_ref()
        .and_then(|h| h.captcha_answer(&id))
        .ok_or(Error::NotFound)
}
