"""Schemathesis hooks for the IKD service (loaded through SCHEMATHESIS_HOOKS by run.sh).

Authentication: one auth provider gives each operation the bearer its OpenAPI `security`
names: `officer` → the officer session, `citizen` → the citizen session, `registration` → the
secret of the pending registration. The operations that end the credential they are called
with get a throwaway one instead, so the rest of the run keeps working:

  POST /api/v1/logout              a second session of the same citizen
  POST /api/v1/officer/logout      a second officer session
  POST /api/v1/me/device/release   the spare citizen's session (release ends all of them)

Schemathesis leaves auth off by itself where it tests auth (a negated security parameter),
and the `ignored_auth` check sends its own probes without/with wrong credentials.

Real values, so the run reaches the handlers' logic and not only 401/404/422: in about two
in three positive cases (the choice is a pure function of the generated value, CRC32, so
Hypothesis stays deterministic while it shrinks)

  {id}                     → the pending registration (whose secret `registration` carries);
                             for /officer/remote-reviews/{id}[/decision], the device change
                             waiting in the remote queue
  {nik}                    → the citizen's NIK; for the officer's release-device the spare
                             citizen's (releasing the citizen's device would end the session
                             the other operations use)
  qr of /officer/scan      → the QR of a registration waiting for the officer (scanning does
                             not change it)
  qr of /officer/decision  → the QR of another one (the first decision ends it)
  POST /me/pin             → old_pin and new_pin both the citizen's PIN (204, PIN unchanged)
  POST /login              → the citizen's NIK and PIN, and just before the call a fresh
                             challenge signed with the citizen's device key (200 until the
                             per-NIK limit, 20 in 10 minutes, answers 429)
  POST /pin/reset/start    → the citizen's NIK and a fresh challenge signed for Lupa PIN
                             (200 and a mailed code, until 5 a day answer 429)
  POST /me/contact/start   → the citizen's PIN and a fresh challenge signed for a contact
                             change (200 and a mailed code, until 5 a day answer 429; the
                             change applies only with that code, which the fuzzer never has)

Everything comes from environment variables set by run.sh from onboard.py's output
(`IKD_FUZZ_` + the upper-cased JSON key), plus IKD_FUZZ_BASE_URL.
"""

from __future__ import annotations

import base64
import json
import os
import zlib

import requests
import schemathesis
from hypothesis import strategies as st
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from schemathesis.core.parameters import ParameterLocation


def _env(key: str) -> str | None:
    return os.environ.get("IKD_FUZZ_" + key.upper()) or None


BASE_URL = (_env("base_url") or "").rstrip("/")
CITIZEN = _env("citizen_token")
OFFICER = _env("officer_token")
REGISTRATION_ID = _env("registration_id")
DEVICE_CHANGE_ID = _env("device_change_id")
REGISTRATION_SECRET = _env("registration_secret")
NIK = _env("nik")
PIN = _env("pin")
CITIZEN_LOGOUT = _env("citizen_logout_token") or CITIZEN
OFFICER_LOGOUT = _env("officer_logout_token") or OFFICER
SPARE_CITIZEN = _env("spare_citizen_token") or CITIZEN
SPARE_NIK = _env("spare_nik") or NIK
SCAN_QR = _env("scan_qr")
DECISION_QR = _env("decision_qr")
DEVICE_KEY = _env("device_private_key")

LOGIN_SIGNING_CONTEXT = b"IKD login v1\x00"
PIN_RESET_SIGNING_CONTEXT = b"IKD pin reset v1\x00"
CONTACT_CHANGE_SIGNING_CONTEXT = b"IKD contact change v1\x00"
# Stands in a login body's challenge_id until before_call fetches and signs a real one.
SIGN_LATER = "ikd-apifuzz:sign-before-call"

BY_SCHEME = {"officer": OFFICER, "citizen": CITIZEN, "registration": REGISTRATION_SECRET}
# Operations that end the credential they are called with.
THROWAWAY = {
    "POST /api/v1/logout": CITIZEN_LOGOUT,
    "POST /api/v1/officer/logout": OFFICER_LOGOUT,
    "POST /api/v1/me/device/release": SPARE_CITIZEN,
}
QR_BODIES = {"POST /api/v1/officer/scan": SCAN_QR, "POST /api/v1/officer/decision": DECISION_QR}
SPARE_NIK_OPERATIONS = {"POST /api/v1/officer/accounts/{nik}/release-device"}

missing = [name for name, value in BY_SCHEME.items() if not value]
if missing:
    raise RuntimeError(f"hooks.py: no token for the scheme(s) {missing}: set IKD_FUZZ_* (see run.sh)")


# `format: nik` (the document's Nik schema): a NIK `Nik::parse` accepts. Its rules are not
# a pattern: a district code from the registry of regions (two known ones here), a birth
# date (day + 40 for women; 28 days keep every month and year valid), a serial not 0000.
# Mostly residents who are not in the registry, so a started registration is rare.
_NIK = st.builds(
    lambda district, day, female, month, yy, serial: (
        f"{district}{day + (40 if female else 0):02d}{month:02d}{yy:02d}{serial:04d}"
    ),
    st.sampled_from(["317101", "327301"]),
    st.integers(1, 28),
    st.booleans(),
    st.integers(1, 12),
    st.integers(0, 99),
    st.integers(1, 9999),
)
schemathesis.openapi.format("nik", _NIK)

# `format: p256-sec1` (StartRegistration's device_public_key): a P-256 public key, SEC1
# uncompressed, base64url. The pattern says its length and first byte; only a real point
# is a key the service can accept, so the generator derives one from a private scalar.
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_P256_SEC1 = st.integers(1, _P256_ORDER - 1).map(
    lambda k: base64.urlsafe_b64encode(
        ec.derive_private_key(k, ec.SECP256R1()).public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    ).rstrip(b"=").decode()
)
schemathesis.openapi.format("p256-sec1", _P256_SEC1)


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _from_b64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_device = serialization.load_der_private_key(_from_b64u(DEVICE_KEY), None) if DEVICE_KEY else None


def _label(operation) -> str:
    return f"{operation.method.upper()} {operation.path}"


def _schemes(operation) -> list[str]:
    security = operation.definition.raw.get("security")
    if security is None:
        security = operation.schema.raw_schema.get("security") or []
    return [name for requirement in security for name in requirement]


@schemathesis.auth(refresh_interval=None, retry_on=[])
class IkdBearer:
    """The bearer of the operation's security scheme (none for public operations)."""

    def get(self, case, ctx):
        label = _label(ctx.operation)
        if label in THROWAWAY:
            return THROWAWAY[label]
        for scheme in _schemes(ctx.operation):
            if BY_SCHEME.get(scheme):
                return BY_SCHEME[scheme]
        return None

    def set(self, case, data, ctx):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


def _pick(value) -> bool:
    """Whether this generated value is swapped for the real one: about two in three."""
    blob = json.dumps(value, sort_keys=True, default=repr).encode("utf-8", "surrogatepass")
    return zlib.crc32(blob) % 3 != 0


def _negative_at(case, location) -> bool:
    meta = case.meta
    return meta is not None and meta.is_negative_at(location)


def _positive_object_body(case) -> bool:
    return isinstance(case.body, dict) and not _negative_at(case, ParameterLocation.BODY)


@schemathesis.hook
def map_case(ctx, case):
    label = _label(case.operation)
    params = case.path_parameters
    if params and not _negative_at(case, ParameterLocation.PATH):
        remote = "/officer/remote-reviews/" in label
        if "id" in params and remote and DEVICE_CHANGE_ID and _pick(params["id"]):
            params["id"] = DEVICE_CHANGE_ID
        elif "id" in params and not remote and REGISTRATION_ID and _pick(params["id"]):
            params["id"] = REGISTRATION_ID
        if "nik" in params and _pick(params["nik"]):
            params["nik"] = SPARE_NIK if label in SPARE_NIK_OPERATIONS else NIK
    if not _positive_object_body(case):
        return case
    body = case.body
    qr = QR_BODIES.get(label)
    if qr and isinstance(body.get("qr"), str) and _pick(body["qr"]):
        body["qr"] = qr
    elif label == "POST /api/v1/me/pin" and PIN and _pick(body):
        body["old_pin"] = PIN
        body["new_pin"] = PIN
    elif label == "POST /api/v1/login" and PIN and _device is not None and BASE_URL and _pick(body):
        body.update(nik=NIK, pin=PIN, challenge_id=SIGN_LATER, device_signature="")
    elif label == "POST /api/v1/pin/reset/start" and _device is not None and BASE_URL and _pick(body):
        body.update(nik=NIK, challenge_id=SIGN_LATER, device_signature="")
    elif label == "POST /api/v1/me/contact/start" and PIN and _device is not None and BASE_URL and _pick(body):
        body.update(pin=PIN, challenge_id=SIGN_LATER, device_signature="")
    return case


@schemathesis.hook
def before_call(ctx, case, kwargs):
    body = case.body
    if isinstance(body, dict) and body.get("challenge_id") == SIGN_LATER and _device is not None:
        res = requests.post(f"{BASE_URL}/api/v1/login/challenge", timeout=30)
        if res.status_code != 200:
            # Rate-limited: the login goes out with an unknown challenge (401).
            body["challenge_id"] = "ikd-apifuzz:no-challenge"
            return
        ch = res.json()
        path = case.operation.path
        context = (
            PIN_RESET_SIGNING_CONTEXT if path.endswith("/pin/reset/start")
            else CONTACT_CHANGE_SIGNING_CONTEXT if path.endswith("/me/contact/start")
            else LOGIN_SIGNING_CONTEXT
        )
        der = _device.sign(context + _from_b64u(ch["challenge"]), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        body["challenge_id"] = ch["challenge_id"]
        body["device_signature"] = _b64u(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
