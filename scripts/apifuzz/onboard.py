#!/usr/bin/env python3
"""Onboards citizens of the IKD service over HTTP, the way the app and the officer do, and
prints the credentials the API fuzz run needs as one JSON object.

Against a service started with IKD_TEST_HOOKS=1 (the captcha answer is read from the test
hook) and without --smtp-url (the activation code is read from DATA_DIR/outbox/*.eml), on a
registry holding scripts/apifuzz/residents.csv (the sample residents and a second family): Budi Santoso, who has a
registry photo, and Siti Aminah, who has none.

What it leaves behind, in this order:
  1. a registration of Agus waiting for its selfie (never approved): its id and secret are
     for GET /registrations/{id} and PUT /registrations/{id}/selfie;
  2. registrations of Dewi and of Rudi whose selfie was accepted, waiting for the officer:
     one QR for POST /officer/scan, one for POST /officer/decision (a NIK has one open
     registration at a time, so each has its own);
  3. Budi onboarded end to end (registration, selfie, officer scan and approval, emailed
     code, captcha, activation, first PIN, sign-in with the device key): the citizen token,
     plus a second session of his for POST /logout;
  4. Siti onboarded the same way (the officer ticks the physical KTP-el check, since she has
     no registry photo): the spare citizen whose session POST /me/device/release and whose
     NIK POST /officer/accounts/{nik}/release-device may end;
  5. two officer sessions: one for everything, one for POST /officer/logout;
  6. Joko onboarded, then a second phone of his registered (selfie accepted): a device
     change waiting in the officer's remote review queue, for /officer/remote-reviews/{id}
     and its decision (no session or NIK the fuzzer uses can cancel it; the first decision
     ends it, after which both answer a documented 409).

Device keys are ECDSA P-256: the public key SEC1 uncompressed, base64url without padding;
the login signature is ES256 over b"IKD login v1\\0" + challenge bytes, raw r||s (64 bytes),
base64url (ikd_core::api::LOGIN_SIGNING_CONTEXT, EcdsaPublicKey::verify).

Usage: onboard.py --base-url http://127.0.0.1:PORT --data-dir DIR [--officer NAME]
       [--password PW] [--selfie FILE]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time
from pathlib import Path

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

LOGIN_SIGNING_CONTEXT = b"IKD login v1\x00"
CONSENT_VERSION = "2026-01"
# The sample residents (crates/ikd-demo/sample/residents.csv).
BUDI = "3171011708850003"  # has a registry photo
SITI = "3171015503880004"  # has none
# The second family (scripts/apifuzz/residents.csv): a NIK has one open registration at a
# time, so each registration left open for the fuzzer has a NIK of its own.
AGUS = "3171012004900005"
DEWI = "3171016107920006"
RUDI = "3171010101950007"
JOKO = "3171010202960008"  # onboarded, then moving to a second phone (remote review)
PIN = "246810"  # not the schema's example (902417), so the examples phase cannot change it
PHONE = "0812-3456-7890"
REPO = Path(__file__).resolve().parents[2]
SELFIE = REPO / "crates/ikd-server/tests/fixtures/one-face-astronaut.jpg"


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def from_b64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Phone:
    """A citizen's phone: its device key."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())

    def public_b64(self) -> str:
        sec1 = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        assert len(sec1) == 65 and sec1[0] == 4
        return b64u(sec1)

    def private_b64(self) -> str:
        """The private key, PKCS#8 DER, base64url: hooks.py signs login challenges with it."""
        der = self.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return b64u(der)

    def sign_challenge(self, challenge_b64: str) -> str:
        der = self.key.sign(LOGIN_SIGNING_CONTEXT + from_b64u(challenge_b64), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return b64u(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


class Failed(Exception):
    pass


class Client:
    def __init__(self, base_url: str, data_dir: Path) -> None:
        self.base = base_url.rstrip("/")
        self.api = self.base + "/api/v1"
        self.outbox = data_dir / "outbox"
        self.http = requests.Session()

    def call(self, method: str, path: str, expect: int, *, bearer: str | None = None, **kw):
        headers = kw.pop("headers", {})
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        res = self.http.request(method, self.api + path, headers=headers, timeout=60, **kw)
        if res.status_code != expect:
            raise Failed(f"{method} {path}: expected {expect}, got {res.status_code}: {res.text[:500]}")
        if res.status_code == 204 or not res.content:
            return None
        if res.headers.get("content-type", "").startswith("application/json"):
            return res.json()
        return res.text

    # --- the citizen's side of registration ---------------------------------------------
    def start(self, nik: str, email: str, phone: Phone) -> dict:
        v = self.call(
            "POST",
            "/registrations",
            201,
            json={
                "nik": nik,
                "email": email,
                "phone": PHONE,
                "consent_version": CONSENT_VERSION,
                "device_public_key": phone.public_b64(),
            },
        )
        if v["state"] != "awaiting_selfie":
            raise Failed(f"registration started in state {v['state']}")
        return v

    def selfie(self, reg: dict, image: bytes, media: str) -> str:
        v = self.call(
            "PUT",
            f"/registrations/{reg['registration_id']}/selfie",
            200,
            bearer=reg["secret"],
            headers={"Content-Type": media},
            data=image,
        )
        if not v.get("accepted"):
            raise Failed(f"selfie refused: {json.dumps(v['checks'])}")
        qr = v["registration_qr"]
        if not qr.startswith("IKDREG1:"):
            raise Failed(f"unexpected registration QR {qr!r}")
        return qr

    def status(self, reg: dict) -> dict:
        return self.call("GET", f"/registrations/{reg['registration_id']}", 200, bearer=reg["secret"])

    # --- the officer ---------------------------------------------------------------------
    def officer_login(self, username: str, password: str) -> str:
        v = self.call("POST", "/officer/login", 200, json={"username": username, "password": password})
        return v["token"]

    def approve(self, officer: str, qr: str, *, expect_registry_photo: bool) -> None:
        review = self.call("POST", "/officer/scan", 200, bearer=officer, json={"qr": qr})
        if len(review.get("selfie") or "") < 1000:
            raise Failed("the review shows no selfie")
        if expect_registry_photo and len(review.get("registry_photo") or "") < 1000:
            raise Failed("the review shows no registry photo")
        if not all(c["passed"] for c in review["checks"]):
            raise Failed(f"a selfie check failed: {review['checks']}")
        body = {"qr": qr, "approve": True}
        if review.get("registry_photo") is None:
            # No photo to compare: the officer checked the physical KTP-el.
            body["physical_ktp_checked"] = True
        self.call("POST", "/officer/decision", 204, bearer=officer, json=body)

    # --- activation and sign-in ----------------------------------------------------------
    def code_from_outbox(self, email: str, deadline: float = 15.0) -> str:
        """The 6 digits after "Kode aktivasi: " in the newest .eml addressed to `email`."""
        end = time.monotonic() + deadline
        marker = "Kode aktivasi: "
        while True:
            found = []
            if self.outbox.is_dir():
                for path in self.outbox.iterdir():
                    text = path.read_text(errors="replace")
                    if email in text and marker in text:
                        at = text.index(marker) + len(marker)
                        found.append((path.stat().st_mtime_ns, text[at : at + 6]))
            if found:
                code = max(found)[1]
                if not (len(code) == 6 and code.isdigit()):
                    raise Failed(f"no 6-digit code in the mail to {email}: {code!r}")
                return code
            if time.monotonic() > end:
                raise Failed(f"no activation email to {email} in {self.outbox}")
            time.sleep(0.2)

    def captcha(self) -> tuple[str, str]:
        v = self.call("POST", "/captcha", 200)
        cid = v["captcha_id"]
        res = self.http.get(f"{self.api}/test-hooks/captcha/{cid}", timeout=30)
        if res.status_code != 200:
            raise Failed(
                f"captcha answer hook answered {res.status_code}: is the service running with IKD_TEST_HOOKS=1 "
                "and built with the test-hooks feature?"
            )
        return cid, res.text.strip()

    def activate(self, reg: dict, code: str) -> str:
        cid, answer = self.captcha()
        v = self.call(
            "POST",
            "/activate",
            200,
            json={
                "registration_id": reg["registration_id"],
                "code": code,
                "captcha_id": cid,
                "captcha_answer": answer,
            },
        )
        return v["setup_token"]

    def set_pin(self, setup_token: str, pin: str) -> None:
        self.call("POST", "/pin", 204, json={"setup_token": setup_token, "pin": pin})

    def login(self, phone: Phone, nik: str, pin: str) -> dict:
        ch = self.call("POST", "/login/challenge", 200)
        sig = phone.sign_challenge(ch["challenge"])
        return self.call(
            "POST",
            "/login",
            200,
            json={"nik": nik, "pin": pin, "challenge_id": ch["challenge_id"], "device_signature": sig},
        )

    def onboard(self, officer: str, nik: str, email: str, image: bytes, media: str, *, photo: bool) -> tuple[Phone, dict]:
        """Registration through first sign-in; returns the phone and the session."""
        phone = Phone()
        reg = self.start(nik, email, phone)
        qr = self.selfie(reg, image, media)
        if self.status(reg)["state"] != "awaiting_officer":
            raise Failed("the registration is not waiting for the officer after the selfie")
        self.approve(officer, qr, expect_registry_photo=photo)
        st = self.status(reg)
        if st["state"] != "approved":
            raise Failed(f"not approved: {st}")
        code = self.code_from_outbox(email)
        setup = self.activate(reg, code)
        self.set_pin(setup, PIN)
        session = self.login(phone, nik, PIN)
        return phone, session


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base-url", required=True, help="http://127.0.0.1:PORT (no /api/v1)")
    ap.add_argument("--data-dir", required=True, type=Path, help="the service's DATA_DIR (for outbox/*.eml)")
    ap.add_argument("--officer", default=os.environ.get("IKD_FUZZ_OFFICER", "petugas.fuzz"))
    ap.add_argument("--password", default=os.environ.get("IKD_FUZZ_OFFICER_PASSWORD", "kata-sandi-petugas-1"))
    ap.add_argument("--selfie", type=Path, default=None, help="a JPEG with one face")
    args = ap.parse_args()

    selfie_path = args.selfie or SELFIE
    image = selfie_path.read_bytes()
    media = "image/png" if selfie_path.suffix.lower() == ".png" else "image/jpeg"
    c = Client(args.base_url, args.data_dir)

    try:
        # Registrations that stay pending, each of its own NIK (a NIK has one open
        # registration: a new start supersedes the one before).
        pending = c.start(AGUS, "agus.tertunda@contoh.co.id", Phone())
        # Two waiting for the officer: one QR for /officer/scan only (scanning does not
        # change it, so it keeps answering 200), one for /officer/decision (the first
        # decision on it ends it).
        scan_reg = c.start(DEWI, "dewi.loket@contoh.co.id", Phone())
        scan_qr = c.selfie(scan_reg, image, media)
        decision_reg = c.start(RUDI, "rudi.keputusan@contoh.co.id", Phone())
        decision_qr = c.selfie(decision_reg, image, media)

        officer = c.officer_login(args.officer, args.password)
        officer_logout = c.officer_login(args.officer, args.password)

        budi_phone, budi = c.onboard(officer, BUDI, "budi.santoso@contoh.co.id", image, media, photo=True)
        budi_logout = c.login(budi_phone, BUDI, PIN)
        _, siti = c.onboard(officer, SITI, "siti.aminah@contoh.co.id", image, media, photo=False)
        c.onboard(officer, JOKO, "joko.susilo@contoh.co.id", image, media, photo=True)
        move = c.start(JOKO, "joko.ponsel.baru@contoh.co.id", Phone())
        if not move.get("device_change"):
            raise Failed("a second phone of an active NIK did not start a device change")
        c.selfie(move, image, media)

        # The harness's own sanity check: the citizen token reaches the records.
        ktp = c.call("GET", "/me/ktp", 200, bearer=budi["token"])
        if ktp["ktp"]["nik"] != BUDI:
            raise Failed(f"/me/ktp answered another NIK: {ktp['ktp']['nik']}")
        if c.status(pending)["state"] != "awaiting_selfie":
            raise Failed("the pending registration moved")
    except (Failed, requests.RequestException) as e:
        print(f"onboard.py: {e}", file=sys.stderr)
        return 1

    print(
        json.dumps(
            {
                "citizen_token": budi["token"],
                "officer_token": officer,
                "registration_id": pending["registration_id"],
                "registration_secret": pending["secret"],
                "nik": BUDI,
                # Throwaway credentials for the operations that end them.
                "citizen_logout_token": budi_logout["token"],
                "officer_logout_token": officer_logout,
                "spare_citizen_token": siti["token"],
                "spare_nik": SITI,
                # Registrations waiting for the officer, for /officer/scan and /decision.
                "scan_qr": scan_qr,
                "decision_qr": decision_qr,
                # Joko's device change waiting in the remote review queue.
                "device_change_id": move["registration_id"],
                "pin": PIN,
                # Budi's device key, so hooks.py can sign a login challenge (POST /login).
                "device_private_key": budi_phone.private_b64(),
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
