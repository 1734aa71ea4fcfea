//! HTTP API, one module per route group, each exposing `router()`.

mod activation;
mod auth;
mod citizen;
pub(crate) use citizen::activity_entries;
pub(crate) use registration::parse_state as parse_registration_state;
mod contact;
mod device_change;
mod health;
mod link_page;
mod my_data;
mod officer;
mod pin_reset;
pub use activation::MAX_CODE_ATTEMPTS;
pub use auth::HARD_LOCK_AFTER;
pub(crate) use auth::{check_device_signature, reserve_pin_attempt, take_challenge, wrong_pin};
pub(crate) use officer::MAX_REASON;
pub use officer::add_officer;
pub use verify::issue as issue_credential;
mod registration;
pub use registration::TTL_SECS as REGISTRATION_TTL;
#[cfg(feature = "test-hooks")]
pub mod test_hooks;
mod verify;

use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use utoipa_axum::router::OpenApiRouter;

use crate::app::AppState;
use crate::error::{Error, now};
use crate::security::token_hash;

/// Every route, and the OpenAPI document of every route: both come from the same
/// `routes!` lists, so neither can miss what the other has.
pub fn router() -> Router<AppState> {
    let (router, doc) = documented();
    let router = router
        .merge(crate::openapi::router(&doc))
        .merge(pin_reset::cancel_page())
        .merge(device_change::cancel_page())
        .merge(contact::restore_page());
    #[cfg(feature = "test-hooks")]
    let router = router.nest("/api/v1", test_hooks::router());
    router
}

/// The documented routes and their OpenAPI document.
pub fn documented() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    use utoipa::OpenApi as _;
    let api = OpenApiRouter::new()
        .merge(registration::router())
        .merge(officer::router())
        .merge(activation::router())
        .merge(auth::router())
        .merge(pin_reset::router())
        .merge(citizen::router())
        .merge(device_change::router())
        .merge(contact::router())
        .merge(my_data::router())
        .merge(verify::router());
    OpenApiRouter::with_openapi(crate::openapi::ApiDoc::openapi())
        .nest("/api/v1", api)
        .merge(health::router())
        .merge(verify::well_known())
        .split_for_parts()
}

/// Largest JSON request body, bytes: the largest real one is an identity QR to verify
/// (4 296 characters) or a decision with a 500-character reason. Beyond it:
/// 413 `REQUEST_TOO_LARGE`.
pub const MAX_JSON_BODY: usize = 16 * 1024;

/// JSON body whose refusal names the field at fault with ikd-core's code and message
/// (`NIK_BIRTH_DATE`, `EMAIL_FORMAT`…) instead of a serde message.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Error> {
        // Read at most MAX_JSON_BODY + 1 bytes, whatever Content-Length claims.
        let bytes = axum::body::to_bytes(req.into_body(), MAX_JSON_BODY)
            .await
            .map_err(|_| Error::TooLarge)?;
        match serde_json::from_slice::<T>(&bytes) {
            Ok(v) => Ok(ApiJson(v)),
            Err(_) => Err(explain(&bytes)),
        }
    }
}

/// A domain parser reduced to "why is this value refused, if it is".
type FieldCheck = fn(&str) -> Option<ikd_core::ErrorBody>;

/// Re-checks the known domain fields of a refused body to give the precise reason.
fn explain(bytes: &[u8]) -> Error {
    use ikd_core::UserError;
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(bytes)
    else {
        return Error::BadRequest;
    };
    let field = |k: &str| map.get(k).and_then(|v| v.as_str());
    let checks: [(&str, FieldCheck); 7] = [
        ("nik", |s| ikd_core::Nik::parse(s).err().map(|e| e.body())),
        ("email", |s| {
            ikd_core::Email::parse(s).err().map(|e| e.body())
        }),
        ("phone", |s| {
            ikd_core::PhoneNumber::parse(s).err().map(|e| e.body())
        }),
        ("pin", |s| ikd_core::Pin::parse(s).err().map(|e| e.body())),
        ("old_pin", |s| {
            ikd_core::Pin::parse(s).err().map(|e| e.body())
        }),
        ("new_pin", |s| {
            ikd_core::Pin::parse(s).err().map(|e| e.body())
        }),
        ("code", |s| {
            ikd_core::ActivationCode::parse(s).err().map(|e| e.body())
        }),
    ];
    for (name, check) in checks {
        match map.get(name) {
            Some(serde_json::Value::String(_)) => {
                if let Some(body) = field(name).and_then(check) {
                    return Error::Invalid(body);
                }
            }
            Some(_) => return Error::BadRequest,
            None => {}
        }
    }
    Error::BadRequest
}

/// The token of an `Authorization: Bearer …` header.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

/// Looks a bearer token up in `tokens` with the given kind; returns its subject.
async fn token_subject(state: &AppState, parts: &Parts, kind: &str) -> Result<String, Error> {
    use sqlx::Row;
    let token = bearer(&parts.headers).ok_or(Error::Unauthorized)?;
    let row = sqlx::query(
        "SELECT subject FROM tokens WHERE token_hash = $1 AND kind = $2 AND expires_at > $3",
    )
    .bind(token_hash(token))
    .bind(kind)
    .bind(state.now())
    .fetch_optional(&state.db.pool)
    .await?
    .ok_or(Error::Unauthorized)?;
    Ok(row.get(0))
}

/// The client's address, for per-address rate limits: the TCP peer, or what trusted
/// proxies say in `X-Forwarded-For` (see [`crate::proxy`]).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub std::net::IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(std::net::IpAddr::from([127, 0, 0, 1]));
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok());
        Ok(ClientIp(crate::proxy::client_address(
            peer,
            forwarded,
            &state.config.trusted_proxies,
        )))
    }
}

impl ClientIp {
    pub async fn limit(self, state: &AppState, limit: crate::limits::Limit) -> Result<(), Error> {
        crate::limits::hit(state, limit, &crate::limits::ip_key(self.0)).await
    }
}

/// A signed-in citizen (session token), by NIK.
#[derive(Debug)]
pub struct Citizen(pub ikd_core::Nik);

impl FromRequestParts<AppState> for Citizen {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let nik = token_subject(state, parts, "session").await?;
        Ok(Citizen(
            ikd_core::Nik::parse(&nik).map_err(|_| Error::Unauthorized)?,
        ))
    }
}

/// A signed-in officer, by username; disabled officers lose their sessions at once.
#[derive(Debug)]
pub struct Officer(pub String);

impl FromRequestParts<AppState> for Officer {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let token = bearer(&parts.headers).ok_or(Error::Unauthorized)?;
        officer_session(state, &token_hash(token)).await
    }
}

/// What makes a token an officer's session, as SQL (`FROM` and the start of `WHERE`, `t`
/// the token, `o` the officer): one text for [`officer_session`] and the verification
/// writer's batch ([`crate::verifications`]), which add the token and the time.
macro_rules! officer_sessions {
    () => {
        "tokens t JOIN officers o ON o.username = t.subject WHERE t.kind = 'officer' AND o.disabled = 0"
    };
}
pub(crate) use officer_sessions;

/// The officer whose session has the token hash `hash` ([`token_hash`]);
/// [`Error::Unauthorized`] when it is none (expired, signed out, or the officer disabled).
pub async fn officer_session(state: &AppState, hash: &[u8]) -> Result<Officer, Error> {
    use sqlx::Row;
    // One query: the session and the officer's state (every officer request pays it).
    let row = sqlx::query(concat!(
        "SELECT o.username FROM ",
        officer_sessions!(),
        " AND t.token_hash = $1 AND t.expires_at > $2"
    ))
    .bind(hash)
    .bind(state.now())
    .fetch_optional(&state.db.pool)
    .await?
    .ok_or(Error::Unauthorized)?;
    Ok(Officer(row.get(0)))
}

/// An officer's bearer token for `/verify`, by its SHA-256 ([`token_hash`]): one that was a
/// signed-in officer's session a moment ago ([`RecentSessions`]), or is now. Only a gate in
/// front of the crypto, so that a caller who is not an officer costs one indexed read and
/// is answered 401 before the body is read. It does not authorise: the writer's batch
/// reads the session again with the nonce ([`crate::verifications`]), and a QR refused
/// before the batch has it read again before its refusal is told.
pub struct OfficerBearer(pub Vec<u8>);

impl std::fmt::Debug for OfficerBearer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OfficerBearer(..)")
    }
}

impl FromRequestParts<AppState> for OfficerBearer {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let token = bearer(&parts.headers).ok_or(Error::Unauthorized)?;
        let hash = token_hash(token);
        let now = state.now();
        if !state.officer_sessions.seen(&hash, now) {
            officer_session(state, &hash).await?;
            state.officer_sessions.confirm(&hash, now);
        }
        Ok(OfficerBearer(hash))
    }
}

/// Officer sessions confirmed in the last [`RecentSessions::SECS`] seconds, by token hash:
/// what [`OfficerBearer`] lets through without a read. At most [`RecentSessions::MAX`]
/// entries (only confirmed sessions are added, so an attacker cannot fill it; when full of
/// live ones, a session is read every time instead). A sign-out here forgets its token; a
/// sign-out on another instance or a disabled officer is refused by the reads behind it.
#[derive(Default)]
pub struct RecentSessions(std::sync::Mutex<std::collections::HashMap<Vec<u8>, i64>>);

impl std::fmt::Debug for RecentSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecentSessions(..)")
    }
}

impl RecentSessions {
    pub const SECS: i64 = 10;
    pub const MAX: usize = 4096;

    /// Whether `hash` was confirmed less than [`Self::SECS`] before `now` (unix seconds).
    pub fn seen(&self, hash: &[u8], now: i64) -> bool {
        let seen = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        seen.get(hash).is_some_and(|until| *until > now)
    }

    /// Records `hash` as an officer's session at `now`.
    pub(crate) fn confirm(&self, hash: &[u8], now: i64) {
        let mut seen = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if seen.len() >= Self::MAX {
            seen.retain(|_, until| *until > now);
        }
        if seen.len() < Self::MAX {
            seen.insert(hash.to_vec(), now + Self::SECS);
        }
    }

    /// Forgets `hash`: its session ended (a sign-out, or a read found it gone). A request
    /// that read the session just before may confirm it again; the reads behind the gate
    /// still refuse it.
    pub(crate) fn forget(&self, hash: &[u8]) {
        let mut seen = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        seen.remove(hash);
    }
}

/// Writes one officer action to the audit log, inside the caller's transaction.
pub async fn audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    officer: &str,
    action: &str,
    subject: &str,
) -> Result<(), Error> {
    sqlx::query("INSERT INTO audit_log (at, officer, action, subject) VALUES ($1, $2, $3, $4)")
        .bind(now())
        .bind(officer)
        .bind(action)
        .bind(subject)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Unbinds a citizen's device and ends their sessions (Lepas perangkat, by the citizen or
/// by an officer); false when the NIK has no account.
pub async fn unbind_device(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    nik: &str,
    actor: Option<&str>,
) -> Result<bool, Error> {
    // A Lupa PIN in progress or waiting ends with the phone that asked for it: its wait
    // must not carry over to the next activation, nor its cancel link reach a new PIN.
    let done = sqlx::query(
        "UPDATE accounts SET device_key = NULL, pin_usable_at = NULL, pin_before_reset = NULL
         WHERE nik = $1",
    )
    .bind(nik)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    for statement in [
        "DELETE FROM tokens WHERE subject = $1 AND kind IN ('session', 'setup', 'pin_reset_cancel')",
        "DELETE FROM pin_resets WHERE nik = $1",
        "DELETE FROM contact_changes WHERE nik = $1",
    ] {
        sqlx::query(statement).bind(nik).execute(&mut **tx).await?;
    }
    activity(&mut **tx, nik, "device_released", actor).await?;
    Ok(true)
}

/// Appends to a citizen's activity log (Riwayat aktivitas).
pub async fn activity(
    exec: impl sqlx::Executor<'_, Database = sqlx::Any>,
    nik: &str,
    kind: &str,
    actor: Option<&str>,
) -> Result<(), Error> {
    sqlx::query("INSERT INTO access_log (nik, at, kind, actor) VALUES ($1, $2, $3, $4)")
        .bind(nik)
        .bind(now())
        .bind(kind)
        .bind(actor)
        .execute(exec)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::RecentSessions;

    #[test]
    fn a_session_is_seen_for_ten_seconds_after_it_is_confirmed_and_not_after_it_is_forgotten() {
        let recent = RecentSessions::default();
        assert!(!recent.seen(b"a", 100));
        recent.confirm(b"a", 100);
        assert!(recent.seen(b"a", 100));
        assert!(recent.seen(b"a", 109));
        assert!(!recent.seen(b"a", 110));
        assert!(!recent.seen(b"b", 100));
        recent.forget(b"a");
        assert!(!recent.seen(b"a", 100));
    }

    #[test]
    fn a_full_map_makes_room_from_expired_entries_only() {
        let recent = RecentSessions::default();
        let key = |i: usize| i.to_be_bytes();
        for i in 0..RecentSessions::MAX {
            recent.confirm(&key(i), if i % 2 == 0 { 100 } else { 105 });
        }
        // Full of live sessions: a new one is not kept (it is read each time instead).
        recent.confirm(b"new", 105);
        assert!(!recent.seen(b"new", 105));
        assert!(recent.seen(&key(0), 105));
        // Once half of them expire, the next confirmation makes room from those alone.
        recent.confirm(b"new", 110);
        assert!(recent.seen(b"new", 110));
        assert!(!recent.seen(&key(0), 110));
        assert!(recent.seen(&key(1), 110), "a live session stays");
    }
}
