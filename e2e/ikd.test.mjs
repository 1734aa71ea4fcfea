// The project's emulator: the whole IKD system started as the demo starts it (fresh data
// directory), a citizen on a Pixel 7 profile of Debian's Chromium and an officer at a
// counter PC, driven the way people do it. Every step saves a screenshot.
//
//   IKD_DEMO_BIN=target/debug/ikd-demo node --test e2e/ikd.test.mjs
//
// The demo binary must be the test build (captcha answers through the test hook); the
// crate's integration test `crates/ikd-demo/tests/ui.rs` runs this file with it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, devices } from 'playwright-core';

const here = path.dirname(new URL(import.meta.url).pathname);
const demoBin = process.env.IKD_DEMO_BIN;
const out = process.env.IKD_E2E_OUT || path.join(here, '..', 'target', 'e2e-screenshots', 'browser');
const faces = path.join(here, '..', '..', 'shared', 'data', 'faces');
const face = process.env.IKD_E2E_FACE || path.join(faces, 'one-face-astronaut.jpg');
const noFace = path.join(faces, 'no-face-cat.png');
const chromiumPath = process.env.IKD_CHROMIUM || '/usr/bin/chromium';
const WAIT = { timeout: 20000 };

let demo, dataDir, base, officerPassword, residents = [];
let browser, citizen, officer;
let n = 0;

/**
 * One step of the story. The steps depend on each other, so after a failure the rest are
 * skipped (reported as such) instead of each waiting out its own timeout.
 */
let failed = null;
function step(name, ...rest) {
  const fn = rest.pop();
  test(name, ...rest, async (t) => {
    if (failed) { t.skip(`an earlier step failed: ${failed}`); return; }
    try { await fn(t); } catch (e) { failed = name; throw e; }
  });
}

/** Saves a screenshot of `page` (or of one element) as NN-name.png in the output folder. */
async function shot(page, name, element) {
  n += 1;
  const file = path.join(out, `${String(n).padStart(2, '0')}-${name}.png`);
  await page.waitForTimeout(250);
  await (element ? page.locator(element).screenshot({ path: file }) : page.screenshot({ path: file }));
  return file;
}

/** Screenshot of just the QR element, the picture the officer's scanner gets. */
async function qrPicture(page, selector, name) {
  const file = path.join(out, `qr-${name}.png`);
  await page.locator(selector).screenshot({ path: file });
  return file;
}

function newestCode() {
  const box = path.join(dataDir, 'outbox');
  const mails = fs.readdirSync(box).map((f) => path.join(box, f))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  const text = fs.readFileSync(mails[0], 'utf8');
  return text.match(/Kode aktivasi: (\d{6})/)[1];
}

async function captchaAnswer(page) {
  const id = await page.getAttribute('#captcha-image', 'data-captcha-id');
  const r = await fetch(`${base}/api/v1/test-hooks/captcha/${id}`);
  assert.equal(r.status, 200, 'the demo binary must be the test build with IKD_TEST_HOOKS=1');
  return (await r.text()).trim();
}

/** Types a PIN on the pad and waits for the answer: home, or an error other than the last. */
async function enterPin(page, pin) {
  const before = await page.$eval('.error-box', (e) => e.textContent).catch(() => '');
  for (const d of pin) await page.click(`.key[data-key="${d}"]:not([disabled])`);
  await page.waitForFunction((prev) => {
    if (document.querySelector('#tampilkan-qr')) return true;
    const e = document.querySelector('.error-box');
    return e && e.textContent !== prev;
  }, before, WAIT);
}

/**
 * The virtual camera shows its two pictures in turn (a cat, then a face, 700 ms each):
 * Ambil foto when `picture` is on screen, and check the capture is that picture.
 */
async function capture(page, picture) {
  for (let tries = 0; tries < 10; tries++) {
    const want = await showing(page, picture);
    await page.click('#ambil-foto');
    await page.waitForSelector('#selfie-captured', WAIT);
    if (await page.getAttribute('#selfie-captured', 'src') === want) return;
    await page.click('#ulangi');
  }
  assert.fail('the camera picture could not be captured');
}

/** Waits until the camera shows `picture`; returns it as the page has it (a data URL). */
async function showing(page, picture) {
  const mime = picture.endsWith('.png') ? 'image/png' : 'image/jpeg';
  const want = `data:${mime};base64,${fs.readFileSync(picture).toString('base64')}`;
  await page.waitForFunction((w) => document.querySelector('#camera-live')?.src === w, want, WAIT);
  return want;
}

async function register(page, nik, email) {
  await page.goto(base + '/');
  await page.click('#daftar');
  await page.click('#lanjutkan');
  await page.click('label.switch');
  await page.click('#lanjut:not([disabled])');
  await page.fill('#nik', nik);
  await page.fill('#email', email);
  await page.fill('#phone', '081234567890');
  await page.click('#isi-data:not([disabled])');
  await capture(page, face);
  await page.click('#kirim-foto', WAIT);
  await page.waitForSelector('#registration-qr', { timeout: 30000 });
}

/** The officer scans a registration QR by uploading the picture of it. */
async function officerScans(picture) {
  await officer.click('#tab-pendaftaran');
  await officer.setInputFiles('#reg-upload', picture);
  await officer.waitForSelector('#review-selfie', WAIT);
}

async function officerVerifies(picture) {
  await officer.click('#tab-verifikasi');
  await officer.setInputFiles('#verify-upload', picture);
  return officer.waitForSelector('#verify-result', WAIT);
}

before(async () => {
  assert.ok(demoBin, 'set IKD_DEMO_BIN to the test build of ikd-demo');
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ikd-e2e-'));
  demo = spawn(demoBin, ['--listen', '127.0.0.1:0', '--data-dir', dataDir, '--residents', '500'], {
    env: { ...process.env, IKD_TEST_HOOKS: '1', IKD_CAMERA: `virtual:${noFace},${face}`, IKD_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let printed = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo did not start:\n${printed}`)), 120000);
    demo.on('exit', (c) => reject(new Error(`the demo exited (${c}):\n${printed}`)));
    demo.stdout.on('data', (d) => {
      printed += d;
      if (printed.includes('Stop with Ctrl-C')) { clearTimeout(timer); resolve(); }
    });
  });
  base = printed.match(/Citizen app[^\n]*(http:\/\/[\d.:]+)\//)[1];
  officerPassword = printed.match(/username petugas\s+password (\S+)/)[1];
  residents = [...printed.matchAll(/^\s+(\d{16})\s+(.+?)\s+(\S+@contoh\.id)$/gm)].map((m) => ({ nik: m[1], email: m[3] }));
  assert.ok(residents.length >= 2, `the demo printed residents:\n${printed}`);

  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  citizen = await (await browser.newContext({ ...devices['Pixel 7'] })).newPage();
  officer = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
});

after(async () => {
  await browser?.close();
  if (demo && demo.exitCode === null) {
    const stopped = new Promise((r) => demo.on('exit', r));
    demo.kill('SIGINT');
    await stopped;
  }
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

step('welcome switches to English and back', async () => {
  await citizen.goto(base + '/');
  await citizen.waitForSelector('#daftar', WAIT);
  await shot(citizen, 'welcome-id');
  await citizen.click('#lang-en');
  await citizen.waitForSelector('text=Digital Population Identity', WAIT);
  await shot(citizen, 'welcome-en');
  await citizen.click('#lang-id');
  await citizen.waitForSelector('text=Identitas Kependudukan Digital', WAIT);
});

step('registration refuses a wrong NIK as typed and a selfie without a face, and ends with the QR for the officer', async () => {
  await citizen.click('#daftar');
  await citizen.waitForSelector('#lanjutkan', WAIT);
  await shot(citizen, 'notice');
  await citizen.click('#lanjutkan');
  await citizen.waitForSelector('#lanjut[disabled]', WAIT);
  await shot(citizen, 'consent-off');
  await citizen.click('label.switch');
  await citizen.waitForSelector('#lanjut:not([disabled])', WAIT);
  await shot(citizen, 'consent-on');
  await citizen.click('#lanjut');
  await citizen.fill('#nik', '3171013002040001'); // 30 February
  await citizen.waitForSelector('#nik-error', WAIT);
  assert.match(await citizen.textContent('#nik-error'), /tanggal|Februari|date/i);
  assert.ok(await citizen.isDisabled('#isi-data'));
  await shot(citizen, 'data-entry-invalid-nik');
  // Typed key by key, 10 ms apart, as a fast typist would: every digit must arrive over
  // the renderer's websocket, none erased by the echo of an older value.
  await citizen.fill('#nik', '');
  await citizen.locator('#nik').pressSequentially(residents[0].nik, { delay: 10 });
  await citizen.waitForSelector('#nik-ok', WAIT);
  assert.equal(await citizen.inputValue('#nik'), residents[0].nik);
  await citizen.fill('#email', residents[0].email);
  await citizen.fill('#phone', '081234567890');
  await citizen.waitForSelector('#isi-data:not([disabled])', WAIT);
  await shot(citizen, 'data-entry-filled');
  await citizen.click('#isi-data');
  await citizen.waitForSelector('#ambil-foto', WAIT);
  await showing(citizen, face);
  await shot(citizen, 'selfie-live');
  // A picture without a face: the service's checks say why, and Kirim waits for a retake.
  await capture(citizen, noFace);
  await citizen.click('#kirim-foto');
  const checks = await citizen.waitForSelector('#selfie-checks', WAIT);
  // The verdict is brought into sight, not left below the photo.
  await citizen.waitForFunction(() => {
    const r = document.querySelector('#selfie-checks').getBoundingClientRect();
    return r.top >= 0 && r.bottom <= window.innerHeight;
  }, null, WAIT);
  const said = await checks.textContent();
  assert.match(said, /✗ Wajah tidak terdeteksi/);
  assert.match(said, /✓ Gambar tajam/);
  assert.doesNotMatch(said, /decodes|sharpness|one_face/, 'every check in words, not its id');
  assert.ok(await citizen.isDisabled('#kirim-foto'));
  await shot(citizen, 'selfie-refused');
  await citizen.click('#ulangi');
  await capture(citizen, face);
  await citizen.click('#kirim-foto');
  await citizen.waitForSelector('#registration-qr', { timeout: 30000 });
  await shot(citizen, 'registration-qr');
});

step('the officer signs in (a wrong password is refused first)', async () => {
  await officer.goto(base + '/petugas');
  await officer.fill('#officer-username', 'petugas');
  await officer.fill('#officer-password', 'not-the-password');
  await officer.click('#officer-masuk');
  await officer.waitForSelector('.error-box', WAIT);
  await shot(officer, 'officer-login-wrong');
  await officer.fill('#officer-password', officerPassword);
  await officer.click('#officer-masuk');
  await officer.waitForSelector('#reg-scanner', WAIT);
  await shot(officer, 'officer-scan');
});

step('a picture that is not a registration QR gets a clear word', async () => {
  await officer.setInputFiles('#reg-upload', face);
  const e = await officer.waitForSelector('#reg-scanner .error-box', WAIT);
  assert.equal(await e.getAttribute('data-code'), 'SCAN_NO_QR');
  await shot(officer, 'officer-scan-no-qr');
});

step('the officer scans the QR from its picture, sees both photos and approves', async () => {
  const picture = await qrPicture(citizen, '#registration-qr', 'registration');
  await officerScans(picture);
  await officer.waitForSelector('#review-registry-photo', WAIT);
  assert.match(await officer.textContent('#review-nik'), new RegExp(residents[0].nik));
  await shot(officer, 'officer-review');
  await officer.click('#setujui');
  await officer.waitForSelector('#decision-done[data-outcome="approved"]', WAIT);
  await shot(officer, 'officer-approved');
  // The citizen's app moves on by itself.
  await citizen.waitForSelector('#email-sent', WAIT);
  await shot(citizen, 'email-sent');
});

step('a wrong activation code counts down, then the emailed code activates', async () => {
  const code = newestCode();
  await citizen.click('#ke-aktivasi');
  await citizen.waitForSelector('#captcha-image', WAIT);
  await shot(citizen, 'activation');
  const wrong = code === '111111' ? '222222' : '111111';
  await citizen.fill('#code', wrong);
  await citizen.fill('#captcha', await captchaAnswer(citizen));
  await citizen.click('#aktifkan:not([disabled])');
  const e = await citizen.waitForSelector('.error-box[data-code="ACTIVATION_CODE_WRONG"]', WAIT);
  assert.match(await e.textContent(), /4/);
  await shot(citizen, 'activation-wrong-code');
  await citizen.fill('#code', code);
  // A new captcha came with the refusal.
  await citizen.waitForFunction(() => document.querySelector('#captcha').value === '');
  await citizen.fill('#captcha', await captchaAnswer(citizen));
  await shot(citizen, 'activation-filled');
  await citizen.click('#aktifkan:not([disabled])');
  await citizen.waitForSelector('#pin', WAIT);
});

step('the PIN is set, wrong PINs lock the account, the officer lifts the lock, Masuk works', async () => {
  await citizen.fill('#pin', '123456');
  await citizen.waitForSelector('text=berurutan', WAIT);
  await shot(citizen, 'set-pin-too-easy');
  await citizen.fill('#pin', '902417');
  await citizen.fill('#pin-again', '902417');
  await citizen.click('#simpan-pin:not([disabled])');
  await citizen.waitForSelector('.pinpad', WAIT);
  await shot(citizen, 'login');
  await enterPin(citizen, '905513');
  assert.match(await citizen.textContent('.error-box'), /2/);
  await shot(citizen, 'login-wrong-pin');
  await enterPin(citizen, '905513');
  await enterPin(citizen, '905513');
  await enterPin(citizen, '902417');
  await citizen.waitForSelector('.error-box[data-code="ACCOUNT_LOCKED"]', WAIT);
  await shot(citizen, 'login-locked');
  assert.match(await citizen.textContent('.error-box'), /detik|menit/);
  // At the counter: the officer checks the person and lifts the lock.
  await officer.click('#tab-akun');
  await officer.fill('#akun-nik', residents[0].nik);
  await officer.check('#identitas-dicek');
  await officer.click('#reset-pin:not([disabled])');
  await officer.waitForSelector('#akun-done', WAIT);
  await shot(officer, 'officer-pin-unlocked');
  await enterPin(citizen, '902417');
  await citizen.waitForSelector('#tampilkan-qr', WAIT);
  await shot(citizen, 'home-ktp-digital');
});

let stale; // an identity QR picture taken now and shown to the officer after 90 s
let staleAt;

step('home shows the KTP-el, KK, documents and activity', async () => {
  await citizen.click('#profile-age_over_17');
  await citizen.click('#tampilkan-qr');
  await citizen.waitForSelector('#identity-qr', WAIT);
  stale = await qrPicture(citizen, '#identity-qr', 'stale');
  staleAt = Date.now();
  for (const [href, name, sel] of [['/beranda/ktp', 'ktp-el', '#ktp-card'], ['/beranda/kk', 'kk', '#kk-head'],
    ['/beranda/dokumen', 'dokumen', '.doc-list, #no-documents'], ['/beranda/riwayat', 'riwayat', '#activity'],
    ['/beranda/pengaturan', 'pengaturan', '#ubah-pin']]) {
    await citizen.click(`a[href="${href}"]`);
    await citizen.waitForSelector(sel, WAIT);
    await shot(citizen, name);
  }
});

step('the officer verifies the age-check QR: green with only that profile, then red when replayed', async () => {
  await citizen.click('a[href="/beranda"]');
  await citizen.click('#profile-age_over_17');
  await citizen.click('#tampilkan-qr');
  await citizen.waitForSelector('#identity-qr', WAIT);
  await shot(citizen, 'home-identity-qr');
  const picture = await qrPicture(citizen, '#identity-qr', 'identity');
  const ok = await officerVerifies(picture);
  assert.equal(await ok.getAttribute('data-valid'), 'true');
  const fields = await officer.textContent('#verify-fields');
  // The age check shows the name and the answer, nothing else of the card.
  assert.match(fields, /Nama/);
  assert.match(fields, /Usia 17 tahun ke atas\s*Ya/);
  assert.doesNotMatch(fields, /NIK|Alamat|Tanggal Lahir|Agama|Pekerjaan/);
  await shot(officer, 'officer-verify-valid');
  await officer.click('#tab-pendaftaran');
  const again = await officerVerifies(picture);
  assert.equal(await again.getAttribute('data-valid'), 'false');
  assert.equal(await again.getAttribute('data-code'), 'QR_REPLAYED');
  await shot(officer, 'officer-verify-replayed');
});

step('a QR picture older than 90 seconds is refused as expired', { timeout: 150000 }, async () => {
  const wait = staleAt + 95000 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  await officer.click('#tab-pendaftaran');
  const old = await officerVerifies(stale);
  assert.equal(await old.getAttribute('data-valid'), 'false');
  assert.equal(await old.getAttribute('data-code'), 'QR_EXPIRED');
  await shot(officer, 'officer-verify-expired');
});

step('a rejected registration shows the officer\'s reason to the citizen', async () => {
  const other = await (await browser.newContext({ ...devices['Pixel 7'] })).newPage();
  await register(other, residents[1].nik, residents[1].email);
  const picture = await qrPicture(other, '#registration-qr', 'registration-2');
  await officerScans(picture);
  await officer.click('#tolak');
  await officer.click('#reason-0');
  await shot(officer, 'officer-reject-reason');
  await officer.click('#kirim-tolak:not([disabled])');
  await officer.waitForSelector('#decision-done[data-outcome="rejected"]', WAIT);
  const reason = await other.waitForSelector('#reject-reason', WAIT);
  assert.match(await reason.textContent(), /tidak sesuai/);
  await shot(other, 'registration-rejected');
  await other.context().close();
});

step('the English home screen', async () => {
  await citizen.click('a[href="/beranda/pengaturan"]');
  await citizen.click('#lang-en');
  await citizen.click('a[href="/beranda"]');
  await citizen.waitForSelector('text=Show', WAIT).catch(() => {});
  await shot(citizen, 'home-en');
});

step('registration in English explains a wrong NIK in English', async () => {
  const en = await (await browser.newContext({ ...devices['Pixel 7'] })).newPage();
  await en.goto(base + '/');
  await en.click('#lang-en');
  await en.waitForSelector('text=Digital Population Identity', WAIT);
  await en.click('#daftar');
  await en.click('#lanjutkan');
  await en.click('label.switch');
  await en.click('#lanjut:not([disabled])');
  await en.fill('#nik', '3171013002040001'); // 30 February
  await en.fill('#email', 'warga@contoh');
  const error = await en.waitForSelector('#nik-error', WAIT);
  assert.match(await error.textContent(), /date|February/i);
  assert.doesNotMatch(await error.textContent(), /tanggal/i);
  assert.ok(await en.isDisabled('#isi-data'));
  await shot(en, 'data-entry-en');
  await en.context().close();
});
