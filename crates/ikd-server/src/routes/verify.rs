//! Credentials and verification: the published keys, the citizen's credential (issued at
//! login, re-issued on request), and online verification of an identity QR: every offline
//! check of ikd-core, then the revocation checks only the service can make (credential on
//! record, device released, account locked) and the replay cache in the database (shared
//! by all instances). Those, the officer's session and, when valid, the entry in the
//! citizen's activity log are decided and committed in one batch with the other
//! verifications of that moment ([`crate::verifications`]).

use axum::Json;
use axum::extract::State;
use ikd_core::api::{ApiError, CredentialView, PortraitCheck, VerifyQr, VerifyResult};
use ikd_core::crypto::sha256;
use ikd_core::records::Photo;
use ikd_core::wire::{Credential, Element, ElementValue, claims_from_ktp};
use ikd_core::{ErrorBody, Nik, UserError};
use sqlx::Row;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, Citizen, OfficerBearer, officer_session};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::keys::CREDENTIAL_SECS;
use crate::registry::{self, RegistryPhoto};
use crate::security::b64u;
use crate::verifications::{Check, Outcome, Revocation};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(credential))
        .routes(routes!(verify))
}

pub fn well_known() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(published_keys))
}

/// The issuer public keys (with key ids and the end of their use) and the verifier's
/// HPKE public key, for offline verifiers.
#[utoipa::path(get, path = "/.well-known/ikd-keys", tag = "verification",
    responses((status = 200, description = "JWK-style key set", content_type = "application/json")))]
async fn published_keys(State(state): State<AppState>) -> Json<ikd_core::crypto::KeySet> {
    Json((*state.published).clone())
}

/// Compares the portrait a QR discloses with the registry photo: the photo is shown only
/// when it is the one the credential binds; a credential that says there is none, of a
/// resident who has none, is [`PortraitCheck::NotOnRecord`]; anything else means the
/// registry photo changed after issuance.
fn portrait_check(
    disclosed: Option<&ElementValue>,
    registry: RegistryPhoto,
) -> (PortraitCheck, Option<Vec<u8>>) {
    match (disclosed, registry) {
        (Some(ElementValue::Text(d)), RegistryPhoto::OnRecord(p)) => {
            let digest: String = sha256(&p).iter().map(|b| format!("{b:02x}")).collect();
            if *d == digest {
                (PortraitCheck::Matches, Some(p))
            } else {
                (PortraitCheck::Changed, None)
            }
        }
        (Some(ElementValue::NotOnRecord), RegistryPhoto::NotOnRecord) => {
            (PortraitCheck::NotOnRecord, None)
        }
        (None, _) => (PortraitCheck::NotChecked, None),
        _ => (PortraitCheck::Changed, None),
    }
}

/// Issues a credential for `nik`, bound to its device key, and records it.
pub async fn issue(state: &AppState, nik: &Nik) -> Result<String> {
    let device: Vec<u8> = sqlx::query("SELECT device_key FROM accounts WHERE nik = $1")
        .bind(nik.as_str())
        .fetch_optional(&state.db.pool)
        .await?
        .and_then(|r| r.get::<Option<Vec<u8>>, _>(0))
        .ok_or(Error::NotActivated)?;
    let device = ikd_core::crypto::EcdsaPublicKey::from_sec1(&device).map_err(Error::internal)?;
    issue_for(state, nik, &device).await
}

/// [`issue`] for a caller that has just read the account's device key (login).
pub async fn issue_for(
    state: &AppState,
    nik: &Nik,
    device: &ikd_core::crypto::EcdsaPublicKey,
) -> Result<String> {
    let resident = registry::find(&state.db, nik)
        .await?
        .ok_or(Error::NotFound)?;
    let photo = state.registry_photo(nik).await?;
    let at = state.now();
    let today = time::OffsetDateTime::now_utc().date();
    let claims = claims_from_ktp(&resident.ktp, photo.sha256().as_ref(), today);
    let cred = Credential::issue(&state.issuer, device, &claims, at, CREDENTIAL_SECS)
        .map_err(Error::internal)?;
    let id: String = cred
        .credential_id()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    sqlx::query("INSERT INTO credentials (id, nik, device_key, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(nik.as_str())
        .bind(device.sec1().to_vec())
        .bind(at)
        .bind(cred.valid_until())
        .execute(&state.db.pool)
        .await?;
    Ok(b64u(&cred.to_cbor()))
}

/// A fresh credential for this citizen's device (on data changes or near expiry).
#[utoipa::path(get, path = "/me/credential", tag = "verification", security(("citizen" = [])),
    responses(
        (status = 200, description = "A credential valid for 24 hours", body = CredentialView),
        (status = 401, description = "No valid session", body = ApiError),
    ))]
async fn credential(
    State(state): State<AppState>,
    Citizen(nik): Citizen,
) -> Result<Json<CredentialView>> {
    Ok(Json(CredentialView {
        credential: issue(&state, &nik).await?,
    }))
}

fn refused(state: &AppState, body: ErrorBody, stage: &str) -> Json<VerifyResult> {
    state.metrics.verification(&body.code);
    Json(VerifyResult {
        valid: false,
        profile: None,
        fields: Vec::new(),
        photo: None,
        portrait: PortraitCheck::NotChecked,
        error: Some(body),
        failed_stage: Some(stage.to_owned()),
    })
}

/// A QR refused by a revocation check ([`Revocation`]), with its stable `code` and the
/// message in Bahasa Indonesia and English. Its nonce was spent all the same.
fn refused_revoked(state: &AppState, why: Revocation) -> Json<VerifyResult> {
    let (code, id, en) = match why {
        Revocation::UnknownCredential => (
            "QR_UNKNOWN_CREDENTIAL",
            "KTP digital ini tidak tercatat di layanan Dukcapil.",
            "This digital KTP is not on record at the Dukcapil service.",
        ),
        Revocation::DeviceReleased => (
            "QR_DEVICE_RELEASED",
            "Perangkat ini sudah dilepas dari akun IKD pemiliknya. Jangan terima identitas ini.",
            "This device has been released from the holder's IKD account. Do not accept this identity.",
        ),
        Revocation::AccountLocked => (
            "QR_ACCOUNT_LOCKED",
            "Akun IKD pemilik sedang terkunci. Minta pemilik membuka kuncinya lebih dulu.",
            "The holder's IKD account is locked. Ask them to unlock it first.",
        ),
    };
    let body = ErrorBody {
        code: code.to_owned(),
        message: id.to_owned(),
        message_en: en.to_owned(),
    };
    refused(state, body, "revocation")
}

#[utoipa::path(post, path = "/verify", tag = "verification", security(("officer" = [])),
    request_body = VerifyQr,
    responses(
        (status = 200, description = "Valid with the disclosed fields and photo, or refused with the reason, code and stage", body = VerifyResult),
        (status = 401, description = "Verification is for signed-in officers", body = ApiError),
    ))]
async fn verify(
    State(state): State<AppState>,
    OfficerBearer(officer_token): OfficerBearer,
    body: std::result::Result<ApiJson<VerifyQr>, Error>,
) -> Result<Json<VerifyResult>> {
    let req = match body {
        Ok(ApiJson(req)) => req,
        Err(e) => {
            still_signed_in(&state, &officer_token).await?;
            return Err(e);
        }
    };
    let at = state.now();
    let fresh = match state.verifier.verify(&req.qr, at) {
        Ok(f) => f,
        Err(e) => {
            still_signed_in(&state, &officer_token).await?;
            let stage = serde_json::to_value(e.stage()).map_err(Error::internal)?;
            return Ok(refused(
                &state,
                e.body(),
                stage.as_str().unwrap_or_default(),
            ));
        }
    };
    // The session, the revocation checks, the nonce and the access-log entry: one batch of
    // the writer (crate::verifications, group commit).
    let (credential_id, profile) = fresh.credential();
    let cache = state.verifications.replay_cache(Check {
        officer_token: officer_token.clone(),
        credential_id: credential_id.iter().map(|b| format!("{b:02x}")).collect(),
        at,
        profile,
    });
    let checked = fresh.check_replay_async(&cache, at).await;
    let (v, nik, photo, synthetic) = match (checked, cache.into_outcome()) {
        (
            Ok(v),
            Some(Outcome::Valid {
                nik,
                photo,
                synthetic,
            }),
        ) => (v, nik, photo, synthetic),
        (_, Some(Outcome::Unauthorized)) => {
            state.officer_sessions.forget(&officer_token);
            return Err(Error::Unauthorized);
        }
        (_, Some(Outcome::Revoked(why))) => return Ok(refused_revoked(&state, why)),
        (Err(e), Some(Outcome::Replayed)) => return Ok(refused(&state, e.body(), "replay")),
        // The batch failed (its session unread): "try again", unless the session has ended.
        (Err(e), None) => {
            if let Err(Error::Unauthorized) = still_signed_in(&state, &officer_token).await {
                return Err(Error::Unauthorized);
            }
            return Ok(refused(&state, e.body(), "replay"));
        }
        // Valid only with Outcome::Valid (Decided's contract), and Valid only with Ok.
        (Ok(_), _) | (Err(_), Some(Outcome::Valid { .. })) => {
            return Err(Error::internal(
                "a verification's outcome and check disagree",
            ));
        }
    };
    // From here on the verification is committed: nothing may turn it into an error.
    let registry = match photo {
        Some(p) => Some(RegistryPhoto::OnRecord(p)),
        // None on record, or the resident is no longer in the registry.
        None if !synthetic => Some(RegistryPhoto::NotOnRecord),
        // A synthetic resident's portrait is drawn at issuance; one undrawn since is drawn
        // now. If that fails, the portrait is not checked (not "changed": nothing says so).
        None => match Nik::parse(&nik).map_err(Error::internal) {
            Ok(nik) => state.registry_photo(&nik).await,
            Err(e) => Err(e),
        }
        .inspect_err(
            |e| tracing::warn!(error = %e, "a verified QR's registry photo could not be drawn"),
        )
        .ok(),
    };
    let (mut portrait, photo) = match registry {
        Some(registry) => portrait_check(v.disclosed.get(&Element::PortraitSha256), registry),
        None => (PortraitCheck::NotChecked, None),
    };
    // Stored photos were checked when stored (size, not empty); one that is not is shown as
    // no photo, with the portrait unchecked.
    let photo = match photo.map(Photo::new).transpose() {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(error = %e, "a verified QR's registry photo cannot be sent");
            portrait = PortraitCheck::NotChecked;
            None
        }
    };
    tracing::info!(profile = v.profile.id(), "identity QR verified");
    state.metrics.verification("valid");
    Ok(Json(VerifyResult {
        valid: true,
        profile: Some(v.profile),
        fields: v
            .disclosed
            .iter()
            .map(|(k, val)| (k.id().to_owned(), val.to_string()))
            .collect(),
        photo,
        portrait,
        error: None,
        failed_stage: None,
    }))
}

/// Reads the session of `officer_token` (a token hash) again before a refusal made outside
/// the batch is told, since [`OfficerBearer`] may have let it through from memory: a session
/// that ended gets 401 (and is forgotten), not the QR's refusal.
async fn still_signed_in(state: &AppState, officer_token: &[u8]) -> Result<()> {
    officer_session(state, officer_token)
        .await
        .map(drop)
        .inspect_err(|e| {
            if matches!(e, Error::Unauthorized) {
                state.officer_sessions.forget(officer_token);
            }
        })
}
