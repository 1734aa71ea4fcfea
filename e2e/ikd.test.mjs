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
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, devices } from 'playwright-core';

const here = path.dirname(new URL(import.meta.url).pathname);
const demoBin = process.env.IKD_DEMO_BIN;
const out = process.env.IKD_E2E_OUT || path.join(here, '..', 'target', 'e2e-screenshots', 'browser');
const faces = path.join(here, '..', '..', 'shared', 'data', 'faces');
const face = process.env.IKD_E2E_FACE || asPhoneStores(path.join(faces, 'one-face-astronaut.jpg'));
const noFace = path.join(faces, 'no-face-cat.png');
const chromiumPath = process.env.IKD_CHROMIUM || '/usr/bin/chromium';
const WAIT = { timeout: 20000 };

/**
 * `upright` as a phone held upright stores a selfie: the pixels turned (ImageMagick) and EXIF
 * Orientation 6 in an APP1 segment right after the SOI. The service must check it, and show
 * it to the officer, the right way up.
 */
function asPhoneStores(upright) {
  const turned = spawnSync('convert', [upright, '-rotate', '270', '-quality', '92', 'jpg:-'],
    { maxBuffer: 1 << 26 });
  if (turned.status !== 0) throw new Error(`convert failed: ${turned.stderr}`);
  const app1 = Buffer.from('ffd8ffe10022' + '457869660000' + '4d4d002a00000008' + '0001'
    + '011200030000000100060000' + '00000000', 'hex');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ikd-e2e-')), 'selfie-exif6.jpg');
  fs.writeFileSync(file, Buffer.concat([app1, turned.stdout.subarray(2)]));
  return file;
}

let demo, dataDir, base, officerPassword, residents = [], noPhoto;
const cspViolations = [];
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
async function shot(page, name, element, picture) {
  n += 1;
  const file = path.join(out, `${String(n).padStart(2, '0')}-${name}.png`);
  if (picture) {
    // A picture made by the test (what the counter camera sees), kept in the same series.
    const r = spawnSync('convert', [picture, file]);
    assert.equal(r.status, 0, `convert: ${r.stderr}`);
    return file;
  }
  await page.waitForTimeout(250);
  await (element ? page.locator(element).screenshot({ path: file }) : page.screenshot({ path: file }));
  return file;
}

/**
 * Does `action` and waits up to `timeout` ms for its `effect`: an async predicate (true when
 * the effect holds; anything else, e.g. a sentence of what it saw, when not yet) or a locator
 * (holds when an element it matches is on screen). When the effect does not come, the action
 * is done again, at most `tries` times in all; the effect is checked once more first, so a
 * slow action that did work is not repeated. `action` gets the attempt number (0 first).
 * The renderer is Dioxus liveview over a websocket: an event that reaches the page while the
 * screen is being replaced can be lost, and `click()` does not wait for the app's answer.
 */
async function actUntil(what, action, effect, { tries = 4, timeout = 5000 } = {}) {
  const check = typeof effect === 'function' ? effect : () => onScreen(effect);
  let seen = 'nothing yet';
  let failure = '';
  const holds = async () => {
    try {
      const r = await check();
      if (r === true) return true;
      seen = typeof r === 'string' ? r : 'the effect did not hold';
    } catch (e) {
      seen = `checking failed: ${e.message.split('\n')[0]}`;
    }
    return false;
  };
  for (let attempt = 0; attempt < tries; attempt++) {
    if (attempt > 0 && await holds()) return;
    try {
      await action(attempt);
    } catch (e) {
      failure = `; the last attempt failed: ${e.message.split('\n')[0]}`;
    }
    const end = Date.now() + timeout;
    for (;;) {
      if (await holds()) return;
      if (Date.now() >= end) break;
      await sleep(100);
    }
  }
  throw new Error(`${what}: no effect after ${tries} tries of ${timeout} ms; seen: ${seen}${failure}`);
}

/** The predicate of a locator effect: an element it matches is visible. */
async function onScreen(locator) {
  for (const one of await locator.all()) if (await one.isVisible()) return true;
  return `nothing on screen matches ${locator} (${await sight(locator.page())})`;
}

/** Where `page` is, and the errors it shows: for the message of a step that did not work. */
async function sight(page) {
  const errors = await page.$$eval('.error-box', (es) => es.map((e) => `${e.dataset.code}: ${e.textContent.trim()}`))
    .catch(() => []);
  return `at ${page.url()}${errors.length ? `, showing ${errors.join(' | ')}` : ''}`;
}

/** Clicks `selector` until `effect` (a selector, a locator or a predicate) holds. */
async function clickUntil(page, selector, effect, options) {
  await actUntil(`click ${selector}`, (attempt) => page.click(selector, attempt ? { timeout: 5000 } : {}),
    typeof effect === 'string' ? page.locator(effect) : effect, options);
}

/**
 * Fills the field `selector` with `value` until the field holds it (read back) and, when
 * given, `also` (a selector, a locator or a predicate: the screen's answer) holds too; a retry
 * clears the field and fills it again.
 */
async function typeInto(page, selector, value, also) {
  const answer = also === undefined ? null
    : typeof also === 'function' ? also : () => onScreen(typeof also === 'string' ? page.locator(also) : also);
  await actUntil(`type "${value}" into ${selector}`, async (attempt) => {
    if (attempt > 0) await page.fill(selector, '');
    await page.fill(selector, value);
  }, async () => {
    const now = await page.inputValue(selector, { timeout: 1000 });
    if (now !== value) return `${selector} holds "${now}"`;
    return answer ? answer() : true;
  });
}

/** Nothing on screen matches `selector` (a predicate for actUntil). */
function gone(page, selector) {
  return async () => (await page.locator(selector).count()) === 0 || `${selector} is still on screen`;
}

/**
 * Waits until `fn(arg)`, run in the page, is truthy. Polls with page.evaluate (the devtools
 * protocol, which the page's CSP does not govern) instead of Playwright's waitForFunction,
 * which evaluates a string in the page and so is refused by a CSP without 'unsafe-eval'.
 */
async function until(page, fn, arg, { timeout = WAIT.timeout } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    if (await page.evaluate(fn, arg).catch(() => false)) return;
    if (Date.now() > end) assert.fail(`waited ${timeout} ms in vain for ${fn.toString().slice(0, 120)}`);
    await sleep(100);
  }
}

/** Ticks the consent switch until the app has it on (Lanjut enabled). */
async function consent(page) {
  await actUntil('turn the consent switch on', async (attempt) => {
    // A change the app missed leaves the box ticked on the page only: untick it first, so
    // the next click sends "on" again.
    if (attempt > 0 && await page.isChecked('#consent')) await page.click('label.switch');
    await page.click('label.switch');
  }, page.locator('#lanjut:not([disabled])'));
}

/** Screenshot of just the QR element, the picture the officer's scanner gets. */
async function qrPicture(page, selector, name) {
  const file = path.join(out, `qr-${name}.png`);
  await page.locator(selector).screenshot({ path: file });
  return file;
}

/** What the counter's fake webcam plays (an MJPEG file: JPEG frames one after another). */
const counterCamera = path.join(out, 'counter-camera.mjpeg');

/**
 * Puts the QR picture `picture` in front of the counter's webcam as a person holds a phone
 * there: the QR about 320 px across in a 1280×720 frame, turned 4°, a little blurred, on a
 * grey desk, JPEG (ImageMagick). Chromium reads the file when a camera starts.
 */
function counterCameraSees(picture, name) {
  const frame = path.join(out, `camera-${name}.jpg`);
  const r = spawnSync('convert', ['-size', '1280x720', 'xc:#7d7f83',
    '(', picture, '-resize', '340x340', '-background', '#7d7f83', '-rotate', '4', ')',
    '-gravity', 'center', '-geometry', '+180+40', '-composite', '-blur', '0x1', '-quality', '85', frame]);
  assert.equal(r.status, 0, `convert: ${r.stderr}`);
  const jpeg = fs.readFileSync(frame);
  fs.writeFileSync(counterCamera, Buffer.concat(Array(10).fill(jpeg)));
  return frame;
}

/**
 * The officer's scanner `id` (reg, verify) reads the QR through the camera: Pindai dengan
 * kamera, then `effect` must show within 5 s of the camera starting.
 */
async function scanWithCamera(scanner, effect) {
  await clickUntil(officer, `#${scanner}-camera-start`, `#${scanner}-camera-stop, ${effect}`);
  const started = Date.now();
  await officer.waitForSelector(effect, { timeout: 5000 });
  return Date.now() - started;
}

/** The code in the newest mail that has `label` (security notices share the outbox). */
function newestCode(label = 'Kode aktivasi') {
  const box = path.join(dataDir, 'outbox');
  const mails = fs.readdirSync(box).map((f) => path.join(box, f))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  for (const m of mails) {
    const found = fs.readFileSync(m, 'utf8').match(new RegExp(`${label}: (\\d{6})`));
    if (found) return found[1];
  }
  assert.fail(`no mail with "${label}" in the outbox`);
}

/** The newest mail with `text`, decoded from quoted-printable (RFC 2045 §6.7) as a reader sees it. */
function newestMail(text) {
  const box = path.join(dataDir, 'outbox');
  const mails = fs.readdirSync(box).map((f) => path.join(box, f))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  for (const m of mails) {
    const raw = fs.readFileSync(m, 'utf8');
    const body = !/quoted-printable/i.test(raw) ? raw : Buffer.from(raw.replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
    if (body.includes(text)) return body;
  }
  assert.fail(`no mail with "${text}" in the outbox`);
}

async function captchaAnswer(page) {
  const id = await page.getAttribute('#captcha-image', 'data-captcha-id');
  const r = await fetch(`${base}/api/v1/test-hooks/captcha/${id}`);
  assert.equal(r.status, 200, 'the demo binary must be the test build with IKD_TEST_HOOKS=1');
  return (await r.text()).trim();
}

/**
 * Types a PIN on the pad, each key until its dot fills (the last until the PIN is being
 * checked or answered), and waits for the answer: home, or an error other than the last.
 */
async function enterPin(page, pin) {
  const before = await page.$eval('.error-box', (e) => e.textContent).catch(() => '');
  const answered = (prev) => {
    if (document.querySelector('#tampilkan-qr')) return true;
    const e = document.querySelector('.error-box');
    return e && e.textContent !== prev;
  };
  for (const [i, d] of [...pin].entries()) {
    await actUntil(`PIN key ${i + 1} of ${pin.length}`,
      (attempt) => page.click(`.key[data-key="${d}"]:not([disabled])`, attempt ? { timeout: 5000 } : {}),
      async () => {
        const on = await page.locator('.pin-dots .dot.on').count();
        if (on === i + 1) return true;
        if (i + 1 === pin.length && (await page.locator('.key[disabled]').count() > 0
          || await page.evaluate(answered, before))) return true;
        return `${on} PIN dots filled (${await sight(page)})`;
      });
  }
  await until(page, answered, before);
}

/**
 * The virtual camera shows its two pictures in turn (a cat, then a face, 700 ms each):
 * Ambil foto when `picture` is on screen, and check the capture is that picture.
 */
async function capture(page, picture) {
  for (let tries = 0; tries < 10; tries++) {
    const want = await showing(page, picture);
    await clickUntil(page, '#ambil-foto', '#selfie-captured');
    if (await page.getAttribute('#selfie-captured', 'src') === want) return;
    await clickUntil(page, '#ulangi', '#ambil-foto');
  }
  assert.fail('the camera picture could not be captured');
}

/** Waits until the camera shows `picture`; returns it as the page has it (a data URL). */
async function showing(page, picture) {
  const mime = picture.endsWith('.png') ? 'image/png' : 'image/jpeg';
  const want = `data:${mime};base64,${fs.readFileSync(picture).toString('base64')}`;
  await until(page, (w) => document.querySelector('#camera-live')?.src === w, want);
  return want;
}

async function register(page, nik, email) {
  await page.goto(base + '/');
  await clickUntil(page, '#daftar', '#lanjutkan');
  await clickUntil(page, '#lanjutkan', 'label.switch');
  await consent(page);
  await clickUntil(page, '#lanjut', '#nik');
  await typeInto(page, '#nik', nik, '#nik-ok');
  await typeInto(page, '#email', email);
  await typeInto(page, '#phone', '081234567890', '#isi-data:not([disabled])');
  await clickUntil(page, '#isi-data', '#ambil-foto, .progress');
  await capture(page, face);
  await clickUntil(page, '#kirim-foto', '#registration-qr, .progress');
  await page.waitForSelector('#registration-qr', { timeout: 30000 });
}

/** The officer scans a registration QR by uploading the picture of it. */
async function officerScans(picture) {
  await clickUntil(officer, '#tab-pendaftaran', '#reg-scanner');
  await actUntil('upload the registration QR', () => officer.setInputFiles('#reg-upload', picture),
    officer.locator('#review-selfie, #registrations .progress'), { timeout: 10000 });
  await officer.waitForSelector('#review-selfie', WAIT);
}

/** Opens the officer's Verifikasi tab as a fresh page: no earlier result on it. */
async function openVerify() {
  await clickUntil(officer, '#tab-verifikasi', async () => {
    const page = await onScreen(officer.locator('#verify'));
    if (page !== true) return page;
    return (await officer.locator('#verify-result').count()) === 0 || 'an earlier #verify-result is on screen';
  });
}

/** Each verification is a fresh page (no earlier result); an upload that did not start is sent again. */
async function officerVerifies(picture) {
  await openVerify();
  await actUntil('upload the identity QR', () => officer.setInputFiles('#verify-upload', picture),
    officer.locator('#verify-result, #verify .progress'), { timeout: 10000 });
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
  // The sample registry export's resident whose registry holds no photo.
  const m = printed.match(/^\s+(\d{16})\s+.+?\s+(\S+@contoh\.id)\s+tanpa foto registri/m);
  assert.ok(m, `the demo printed a resident without a registry photo:\n${printed}`);
  noPhoto = { nik: m[1], email: m[2] };

  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      // The counter's webcam: Chromium's fake capture device plays `counterCamera`, which
      // holds the citizen's QR as a webcam sees it (written by counterCameraSees).
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${counterCamera}`],
  });
  citizen = await (await browser.newContext({ ...devices['Pixel 7'] })).newPage();
  officer = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  // The pages run under a CSP without 'unsafe-eval': anything it blocks is a failure.
  for (const page of [citizen, officer]) {
    page.on('pageerror', (e) => console.log('PAGEERROR: ' + e.message));
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to (execute|load|connect|apply)/i.test(m.text())) { cspViolations.push(m.text()); console.log('CSP: ' + m.text()); }
    });
  }
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
  await clickUntil(citizen, '#lang-en', 'text=Digital Population Identity');
  await shot(citizen, 'welcome-en');
  await clickUntil(citizen, '#lang-id', 'text=Identitas Kependudukan Digital');
});

step('registration refuses a wrong NIK as typed and a selfie without a face, and ends with the QR for the officer', async () => {
  await clickUntil(citizen, '#daftar', '#lanjutkan');
  await shot(citizen, 'notice');
  await clickUntil(citizen, '#lanjutkan', '#lanjut[disabled]');
  await shot(citizen, 'consent-off');
  await consent(citizen);
  await shot(citizen, 'consent-on');
  await clickUntil(citizen, '#lanjut', '#nik');
  await typeInto(citizen, '#nik', '3171013002040001', '#nik-error'); // 30 February
  assert.match(await citizen.textContent('#nik-error'), /tanggal|Februari|date/i);
  assert.ok(await citizen.isDisabled('#isi-data'));
  await shot(citizen, 'data-entry-invalid-nik');
  // Typed key by key, 10 ms apart, as a fast typist would: every digit must arrive over
  // the renderer's websocket, none erased by the echo of an older value.
  // (Typed once, not repeated: a lost digit is what this checks.)
  await typeInto(citizen, '#nik', '', gone(citizen, '#nik-error'));
  await citizen.locator('#nik').pressSequentially(residents[0].nik, { delay: 10 });
  await citizen.waitForSelector('#nik-ok', WAIT);
  assert.equal(await citizen.inputValue('#nik'), residents[0].nik);
  await typeInto(citizen, '#email', residents[0].email);
  await typeInto(citizen, '#phone', '081234567890', '#isi-data:not([disabled])');
  await shot(citizen, 'data-entry-filled');
  await clickUntil(citizen, '#isi-data', '#ambil-foto, .progress');
  await citizen.waitForSelector('#ambil-foto', WAIT);
  await showing(citizen, face);
  await shot(citizen, 'selfie-live');
  // A picture without a face: the service's checks say why, and Kirim waits for a retake.
  await capture(citizen, noFace);
  await clickUntil(citizen, '#kirim-foto', '#selfie-checks, .progress');
  const checks = await citizen.waitForSelector('#selfie-checks', WAIT);
  // The verdict is brought into sight, not left below the photo.
  await until(citizen, () => {
    const r = document.querySelector('#selfie-checks').getBoundingClientRect();
    return r.top >= 0 && r.bottom <= window.innerHeight;
  });
  const said = await checks.textContent();
  assert.match(said, /✗ Wajah tidak terdeteksi/);
  assert.match(said, /✓ Gambar tajam/);
  assert.doesNotMatch(said, /decodes|sharpness|one_face/, 'every check in words, not its id');
  assert.ok(await citizen.isDisabled('#kirim-foto'));
  await shot(citizen, 'selfie-refused');
  await clickUntil(citizen, '#ulangi', '#ambil-foto');
  await capture(citizen, face);
  await clickUntil(citizen, '#kirim-foto', '#registration-qr, .progress');
  await citizen.waitForSelector('#registration-qr', { timeout: 30000 });
  await shot(citizen, 'registration-qr');
});

step('the officer signs in (a wrong password is refused first)', async () => {
  await officer.goto(base + '/petugas');
  await typeInto(officer, '#officer-username', 'petugas');
  await typeInto(officer, '#officer-password', 'not-the-password', '#officer-masuk:not([disabled])');
  await clickUntil(officer, '#officer-masuk', '.error-box, .progress');
  await officer.waitForSelector('.error-box', WAIT);
  await shot(officer, 'officer-login-wrong');
  // The refusal clears the password on the page too: typed once that has happened.
  await typeInto(officer, '#officer-password', officerPassword, '#officer-masuk:not([disabled])');
  await clickUntil(officer, '#officer-masuk', '#reg-scanner, .progress');
  await officer.waitForSelector('#reg-scanner', WAIT);
  await shot(officer, 'officer-scan');
});

step('a picture that is not a registration QR gets a clear word', async () => {
  await actUntil('upload a picture without a QR', () => officer.setInputFiles('#reg-upload', face),
    officer.locator('#reg-scanner .error-box'), { timeout: 10000 });
  const e = await officer.waitForSelector('#reg-scanner .error-box', WAIT);
  assert.equal(await e.getAttribute('data-code'), 'SCAN_NO_QR');
  await shot(officer, 'officer-scan-no-qr');
});

step('the officer scans the QR with the counter camera, sees both photos and approves', async () => {
  const picture = await qrPicture(citizen, '#registration-qr', 'registration');
  counterCameraSees(picture, 'registration');
  await clickUntil(officer, '#tab-pendaftaran', '#reg-scanner');
  const ms = await scanWithCamera('reg', '#review-selfie');
  console.log(`the counter camera read the registration QR in ${ms} ms`);
  await officer.waitForSelector('#review-registry-photo', WAIT);
  assert.match(await officer.textContent('#review-nik'), new RegExp(residents[0].nik));
  await shot(officer, 'officer-review');
  await clickUntil(officer, '#setujui', '#decision-done[data-outcome="approved"], #registrations .progress');
  await officer.waitForSelector('#decision-done[data-outcome="approved"]', WAIT);
  await shot(officer, 'officer-approved');
  // The citizen's app moves on by itself.
  await citizen.waitForSelector('#email-sent', WAIT);
  await shot(citizen, 'email-sent');
});

step('a wrong activation code counts down, then the emailed code activates', async () => {
  const code = newestCode();
  await clickUntil(citizen, '#ke-aktivasi', '#code');
  await citizen.waitForSelector('#captcha-image', WAIT);
  await shot(citizen, 'activation');
  const wrong = code === '111111' ? '222222' : '111111';
  await typeInto(citizen, '#code', wrong);
  const firstCaptcha = await citizen.getAttribute('#captcha-image', 'data-captcha-id');
  await typeInto(citizen, '#captcha', await captchaAnswer(citizen), '#aktifkan:not([disabled])');
  await clickUntil(citizen, '#aktifkan', '.error-box[data-code="ACTIVATION_CODE_WRONG"], .progress');
  const e = await citizen.waitForSelector('.error-box[data-code="ACTIVATION_CODE_WRONG"]', WAIT);
  assert.match(await e.textContent(), /4/);
  await shot(citizen, 'activation-wrong-code');
  await typeInto(citizen, '#code', code);
  // A new captcha came with the refusal (the old picture stays until the new one is in).
  await until(citizen, () => document.querySelector('#captcha').value === '');
  await until(citizen, (old) => {
    const id = document.querySelector('#captcha-image')?.dataset.captchaId;
    return id && id !== old;
  }, firstCaptcha);
  await typeInto(citizen, '#captcha', await captchaAnswer(citizen), '#aktifkan:not([disabled])');
  await shot(citizen, 'activation-filled');
  await clickUntil(citizen, '#aktifkan', '#pin, .progress');
  await citizen.waitForSelector('#pin', WAIT);
});

step('the PIN is set, wrong PINs lock the account, the officer lifts the lock, Masuk works', async () => {
  // The error, not the hint above the field (which says "berurutan" too).
  await typeInto(citizen, '#pin', '123456', 'p.error:has-text("berurutan")');
  await shot(citizen, 'set-pin-too-easy');
  await typeInto(citizen, '#pin', '902417', gone(citizen, 'p.error'));
  await typeInto(citizen, '#pin-again', '902417', '#simpan-pin:not([disabled])');
  await clickUntil(citizen, '#simpan-pin', '.pinpad, .progress');
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
  await clickUntil(officer, '#tab-akun', '#akun-nik');
  await typeInto(officer, '#akun-nik', residents[0].nik);
  await actUntil('tick "identity checked"', async (attempt) => {
    // A change the app missed leaves the box ticked on the page only: untick it first.
    if (attempt > 0) await officer.uncheck('#identitas-dicek');
    await officer.check('#identitas-dicek');
  }, officer.locator('#reset-pin:not([disabled])'));
  await clickUntil(officer, '#reset-pin', '#akun-done, #accounts .progress');
  await officer.waitForSelector('#akun-done', WAIT);
  await shot(officer, 'officer-pin-unlocked');
  // Lifted: a wrong PIN is counted again instead of answered "locked".
  await enterPin(citizen, '905513');
  await citizen.waitForSelector('.error-box[data-code="PIN_WRONG"]', WAIT);
});

step('Lupa PIN from the lockout: the phone signs, the emailed code and a captcha set a new PIN', async () => {
  await enterPin(citizen, '905513');
  await enterPin(citizen, '905513');
  await enterPin(citizen, '902417');
  await citizen.waitForSelector('.error-box[data-code="ACCOUNT_LOCKED"]', WAIT);
  await clickUntil(citizen, '#lupa-pin-terkunci', '#kirim-kode');
  await shot(citizen, 'lupa-pin');
  await clickUntil(citizen, '#kirim-kode', '#kode-terkirim, .progress');
  await citizen.waitForSelector('#kode-terkirim', WAIT);
  assert.match(await citizen.textContent('#kode-terkirim'), /•••@/);
  await citizen.waitForSelector('#captcha-image', WAIT);
  const code = newestCode('Kode reset PIN');
  const wrong = code === '111111' ? '222222' : '111111';
  await typeInto(citizen, '#code', wrong);
  await typeInto(citizen, '#pin', '913580');
  await typeInto(citizen, '#pin-again', '913580');
  const firstCaptcha = await citizen.getAttribute('#captcha-image', 'data-captcha-id');
  await typeInto(citizen, '#captcha', await captchaAnswer(citizen), '#simpan-pin-baru:not([disabled])');
  await shot(citizen, 'lupa-pin-filled');
  await clickUntil(citizen, '#simpan-pin-baru', '.error-box[data-code="PIN_RESET_CODE_WRONG"], .progress');
  await citizen.waitForSelector('.error-box[data-code="PIN_RESET_CODE_WRONG"]', WAIT);
  assert.match(await citizen.textContent('.error-box'), /4/);
  await shot(citizen, 'lupa-pin-wrong-code');
  // Each try gets a new captcha.
  await until(citizen, (old) => {
    const id = document.querySelector('#captcha-image')?.dataset.captchaId;
    return id && id !== old;
  }, firstCaptcha);
  await typeInto(citizen, '#code', code);
  await typeInto(citizen, '#captcha', await captchaAnswer(citizen), '#simpan-pin-baru:not([disabled])');
  await clickUntil(citizen, '#simpan-pin-baru', '#pin-baru-selesai, .progress');
  await citizen.waitForSelector('#pin-baru-selesai', WAIT);
  await shot(citizen, 'lupa-pin-done');
  await clickUntil(citizen, '#ke-masuk', '.pinpad');
  await enterPin(citizen, '902417');
  await citizen.waitForSelector('.error-box[data-code="PIN_WRONG"]', WAIT);
  await enterPin(citizen, '913580');
  await citizen.waitForSelector('#tampilkan-qr', WAIT);
  await shot(citizen, 'home-ktp-digital');
});

let stale; // an identity QR picture taken now and shown to the officer after 90 s
let staleAt;

step('home shows the KTP-el, KK, documents and activity', async () => {
  await clickUntil(citizen, '#profile-age_over_17', '#profile-age_over_17[aria-checked="true"]');
  await clickUntil(citizen, '#tampilkan-qr', '#identity-qr');
  stale = await qrPicture(citizen, '#identity-qr', 'stale');
  staleAt = Date.now();
  for (const [href, name, sel] of [['/beranda/ktp', 'ktp-el', '#ktp-card'], ['/beranda/kk', 'kk', '#kk-head'],
    ['/beranda/dokumen', 'dokumen', '.doc-list, #no-documents'], ['/beranda/riwayat', 'riwayat', '#activity'],
    ['/beranda/pengaturan', 'pengaturan', '#ubah-pin']]) {
    // The tab is current; its data may take longer to come.
    await clickUntil(citizen, `a[href="${href}"]`, `a[href="${href}"].active`);
    await citizen.waitForSelector(sel, WAIT);
    await shot(citizen, name);
  }
});

step('the officer verifies the age-check QR: green with only that profile, then red when replayed', async () => {
  await clickUntil(citizen, 'a[href="/beranda"]', '#tampilkan-qr');
  await clickUntil(citizen, '#profile-age_over_17', '#profile-age_over_17[aria-checked="true"]');
  await clickUntil(citizen, '#tampilkan-qr', '#identity-qr');
  await shot(citizen, 'home-identity-qr');
  // Perbesar: the same QR filling the screen, black on white; a tap closes it.
  await clickUntil(citizen, '#identity-qr-enlarge', '#identity-qr-full');
  const full = await citizen.locator('#identity-qr-full svg').boundingBox();
  const view = citizen.viewportSize();
  assert.ok(full.width >= view.width - 20, `the enlarged QR is ${full.width} px wide of ${view.width}`);
  await shot(citizen, 'home-identity-qr-enlarged');
  await clickUntil(citizen, '#identity-qr-close', gone(citizen, '#identity-qr-full'));
  const picture = await qrPicture(citizen, '#identity-qr', 'identity');
  await shot(citizen, 'camera-identity', null, counterCameraSees(picture, 'identity'));
  await openVerify();
  const ms = await scanWithCamera('verify', '#verify-result');
  console.log(`the counter camera read the identity QR in ${ms} ms`);
  const ok = await officer.waitForSelector('#verify-result', WAIT);
  assert.equal(await ok.getAttribute('data-valid'), 'true');
  const fields = await officer.textContent('#verify-fields');
  // The age check shows the name and the answer, nothing else of the card.
  assert.match(fields, /Nama/);
  assert.match(fields, /Usia 17 tahun ke atas\s*Ya/);
  assert.doesNotMatch(fields, /NIK|Alamat|Tanggal Lahir|Agama|Pekerjaan/);
  await shot(officer, 'officer-verify-valid');
  await clickUntil(officer, '#tab-pendaftaran', '#reg-scanner');
  const again = await officerVerifies(picture);
  assert.equal(await again.getAttribute('data-valid'), 'false');
  assert.equal(await again.getAttribute('data-code'), 'QR_REPLAYED');
  await shot(officer, 'officer-verify-replayed');
});

step('a QR picture older than 90 seconds is refused as expired', { timeout: 150000 }, async () => {
  const wait = staleAt + 95000 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  await clickUntil(officer, '#tab-pendaftaran', '#reg-scanner');
  const old = await officerVerifies(stale);
  assert.equal(await old.getAttribute('data-valid'), 'false');
  assert.equal(await old.getAttribute('data-code'), 'QR_EXPIRED');
  await shot(officer, 'officer-verify-expired');
});

step('Riwayat filters by kind, and an entry opens its details: who checked, which data', async () => {
  await clickUntil(citizen, 'a[href="/beranda/riwayat"]', 'a[href="/beranda/riwayat"].active');
  await citizen.waitForSelector('#activity', WAIT);
  await clickUntil(citizen, '#filter-pemeriksaan', '#filter-pemeriksaan[aria-pressed="true"]');
  await citizen.waitForSelector('li[data-kind="Digital KTP checked"]', WAIT);
  assert.equal(await citizen.locator('li[data-kind="Signed in"]').count(), 0, 'only QR checks');
  await clickUntil(citizen, '.activity-head', '#activity-detail');
  const detail = await citizen.textContent('#activity-detail');
  assert.match(detail, /Petugas petugas/);
  assert.match(detail, /Nama/);
  assert.doesNotMatch(detail, /Tanggal Lahir/, 'the age check discloses no birth date');
  await shot(citizen, 'riwayat-qr-check-detail');
  await clickUntil(citizen, '#filter-perubahan', '#filter-perubahan[aria-pressed="true"]');
  await citizen.waitForSelector('li[data-kind="New PIN through Lupa PIN"]', WAIT);
  assert.equal(await citizen.locator('li[data-kind="Digital KTP checked"]').count(), 0, 'only changes');
  await shot(citizen, 'riwayat-changes');
  await clickUntil(citizen, '#filter-semua', '#filter-semua[aria-pressed="true"]');
});

step('a rejected registration shows the officer\'s reason to the citizen', async () => {
  const other = await (await browser.newContext({ ...devices['Pixel 7'] })).newPage();
  await register(other, residents[1].nik, residents[1].email);
  const picture = await qrPicture(other, '#registration-qr', 'registration-2');
  await officerScans(picture);
  await clickUntil(officer, '#tolak', '#reason-0');
  await clickUntil(officer, '#reason-0', async () => {
    const typed = await officer.inputValue('#reject-reason-input', { timeout: 1000 });
    if (!typed.trim()) return 'the reason field is empty';
    return onScreen(officer.locator('#kirim-tolak:not([disabled])'));
  });
  await shot(officer, 'officer-reject-reason');
  await clickUntil(officer, '#kirim-tolak', '#decision-done[data-outcome="rejected"], #registrations .progress');
  await officer.waitForSelector('#decision-done[data-outcome="rejected"]', WAIT);
  const reason = await other.waitForSelector('#reject-reason', WAIT);
  assert.match(await reason.textContent(), /tidak sesuai/);
  await shot(other, 'registration-rejected');
  await other.context().close();
});

step('the English home screen', async () => {
  await clickUntil(citizen, 'a[href="/beranda/pengaturan"]', '#ubah-pin');
  await clickUntil(citizen, '#lang-en', '#lang-en.active');
  await clickUntil(citizen, 'a[href="/beranda"]', '#tampilkan-qr');
  await citizen.waitForSelector('text=Show', WAIT).catch(() => {});
  await shot(citizen, 'home-en');
});

step('registration in English explains a wrong NIK in English', async () => {
  const en = await (await browser.newContext({ ...devices['Pixel 7'] })).newPage();
  await en.goto(base + '/');
  await clickUntil(en, '#lang-en', 'text=Digital Population Identity');
  await clickUntil(en, '#daftar', '#lanjutkan');
  await clickUntil(en, '#lanjutkan', 'label.switch');
  await consent(en);
  await clickUntil(en, '#lanjut', '#nik');
  await typeInto(en, '#nik', '3171013002040001', '#nik-error'); // 30 February
  await typeInto(en, '#email', 'warga@contoh');
  const error = await en.waitForSelector('#nik-error', WAIT);
  assert.match(await error.textContent(), /date|February/i);
  assert.doesNotMatch(await error.textContent(), /tanggal/i);
  assert.ok(await en.isDisabled('#isi-data'));
  await shot(en, 'data-entry-en');
  await en.context().close();
});

step('a resident with no registry photo: the officer checks the physical KTP-el, then her KTP-el and the verifier say there is no photo', async () => {
  const page = await (await browser.newContext({ ...devices['Pixel 7'] })).newPage();
  await register(page, noPhoto.nik, noPhoto.email);
  await officerScans(await qrPicture(page, '#registration-qr', 'registration-3'));
  await officer.waitForSelector('#review-no-registry-photo', WAIT);
  assert.equal(await officer.locator('#review-registry-photo').count(), 0, 'no photo is made up');
  assert.ok(await officer.isDisabled('#setujui'), 'Setujui waits for the physical KTP-el check');
  await shot(officer, 'officer-review-no-registry-photo');
  await actUntil('tick "physical KTP-el checked"', async (attempt) => {
    if (attempt > 0) await officer.uncheck('#physical-ktp-checked');
    await officer.check('#physical-ktp-checked');
  }, officer.locator('#setujui:not([disabled])'));
  await clickUntil(officer, '#setujui', '#decision-done[data-outcome="approved"], #registrations .progress');
  await officer.waitForSelector('#decision-done[data-outcome="approved"]', WAIT);
  await page.waitForSelector('#email-sent', WAIT);
  const code = newestCode();
  await clickUntil(page, '#ke-aktivasi', '#code');
  await page.waitForSelector('#captcha-image', WAIT);
  await typeInto(page, '#code', code);
  await typeInto(page, '#captcha', await captchaAnswer(page), '#aktifkan:not([disabled])');
  await clickUntil(page, '#aktifkan', '#pin, .progress');
  await page.waitForSelector('#pin', WAIT);
  await typeInto(page, '#pin', '902417');
  await typeInto(page, '#pin-again', '902417', '#simpan-pin:not([disabled])');
  await clickUntil(page, '#simpan-pin', '.pinpad, .progress');
  await page.waitForSelector('.pinpad', WAIT);
  await enterPin(page, '902417');
  await page.waitForSelector('#tampilkan-qr', WAIT);
  await clickUntil(page, 'a[href="/beranda/ktp"]', 'a[href="/beranda/ktp"].active');
  await page.waitForSelector('#ktp-no-photo', WAIT);
  assert.equal(await page.locator('#ktp-card img.ktp-photo').count(), 0);
  await shot(page, 'ktp-el-no-registry-photo');
  await clickUntil(page, 'a[href="/beranda"]', '#tampilkan-qr');
  await clickUntil(page, '#tampilkan-qr', '#identity-qr');
  const qr = await qrPicture(page, '#identity-qr', 'identity-no-photo');
  await clickUntil(officer, '#tab-pendaftaran', '#reg-scanner');
  const v = await officerVerifies(qr);
  assert.equal(await v.getAttribute('data-valid'), 'true');
  const note = await officer.waitForSelector('#verify-no-photo', WAIT);
  assert.equal(await note.getAttribute('data-portrait'), 'not_on_record');
  assert.match(await note.textContent(), /Tidak ada foto di registri/);
  assert.equal(await officer.locator('#verify-photo').count(), 0);
  await shot(officer, 'officer-verify-no-registry-photo');
  await page.context().close();
});

step('every page sends its security headers, nothing broke under the CSP, and another site framing the console gets nothing', async () => {
  for (const p of ['/', '/beranda/ktp', '/petugas', '/demo/outbox']) {
    const r = await fetch(base + p);
    assert.equal(r.status, 200, p);
    const csp = r.headers.get('content-security-policy') || '';
    assert.match(csp, /default-src 'none'/, p);
    assert.match(csp, /frame-ancestors 'none'/, p);
    assert.doesNotMatch(csp, /unsafe-eval/, p);
    assert.equal(r.headers.get('x-frame-options'), 'DENY', p);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff', p);
    assert.equal(r.headers.get('referrer-policy'), 'no-referrer', p);
    assert.equal(r.headers.get('cache-control'), 'no-store', p);
    assert.match(r.headers.get('permissions-policy') || '', p === '/demo/outbox' ? /camera=\(\)/ : /camera=\(self\)/, p);
    if (p !== '/demo/outbox') {
      // The one script runs by this response's nonce.
      const nonce = csp.match(/'nonce-([^']+)'/)[1];
      assert.ok((await r.text()).includes(`<script nonce="${nonce}">`), p);
    }
  }
  const api = await fetch(base + '/.well-known/ikd-keys');
  assert.equal(api.headers.get('cache-control'), 'no-store');
  assert.equal(api.headers.get('x-content-type-options'), 'nosniff');
  assert.deepEqual(cspViolations, [], 'the citizen app and the console ran under the CSP without a violation');

  // Another site's page frames the officer console: Chromium renders nothing of it there.
  const evil = await (await browser.newContext({ viewport: { width: 900, height: 700 } })).newPage();
  await evil.route('http://evil.example/', (r) => r.fulfill({
    contentType: 'text/html',
    body: `<h1>Situs lain</h1><iframe id="f" src="${base}/petugas" width="800" height="500"></iframe>`,
  }));
  await evil.goto('http://evil.example/');
  await evil.waitForTimeout(3000);
  const framed = evil.frames().find((f) => f !== evil.mainFrame());
  assert.ok(framed, 'the frame exists');
  const rendered = await framed.locator('#officer-username, #main').count().catch(() => 0);
  assert.equal(rendered, 0, `the console rendered inside another site (${framed.url()})`);
  await shot(evil, 'framed-console-blocked');
  await evil.context().close();
});

step('a registration replaced by a newer one of the same NIK from another phone says so, with Daftar ulang', async () => {
  assert.ok(residents.length >= 3, 'a third resident to register with');
  const first = await (await browser.newContext({ ...devices['Pixel 7'] })).newPage();
  await register(first, residents[2].nik, residents[2].email);
  const second = await (await browser.newContext({ ...devices['Pixel 7'] })).newPage();
  await register(second, residents[2].nik, residents[2].email);
  // The first phone's wait for the officer learns it from the status it polls.
  const card = await first.waitForSelector('#superseded', WAIT);
  assert.match(await card.textContent(), /lebih baru/);
  assert.ok(await first.isVisible('text=Daftar ulang'));
  await shot(first, 'registration-superseded');
  await first.context().close();
  await second.context().close();
});

step('after a hard lock, Lupa PIN makes the new PIN wait a day, and the owner cancels it from the emailed link', async () => {
  // Locked as 10 wrong PINs leave an account (through the test hook: the waits between
  // those PINs take half an hour; the service's tests go through them on a moved clock).
  const nik = residents[0].nik;
  const locked = await fetch(`${base}/api/v1/test-hooks/accounts/${nik}/hard-lock`, { method: 'POST' });
  assert.equal(locked.status, 200);
  await citizen.goto(base + '/masuk');
  await clickUntil(citizen, '#lang-id', '#lang-id.active');
  await citizen.waitForSelector('.pinpad', WAIT);
  await enterPin(citizen, '913580');
  await citizen.waitForSelector('.error-box[data-code="ACCOUNT_LOCKED_OFFICER_RESET"]', WAIT);
  assert.match(await citizen.textContent('.error-box'), /Lupa PIN/);
  await shot(citizen, 'login-locked-hard');
  await clickUntil(citizen, '#lupa-pin-terkunci', '#kirim-kode');
  await clickUntil(citizen, '#kirim-kode', '#kode-terkirim, .progress');
  await citizen.waitForSelector('#captcha-image', WAIT);
  await typeInto(citizen, '#code', newestCode('Kode reset PIN'));
  await typeInto(citizen, '#pin', '924681');
  await typeInto(citizen, '#pin-again', '924681');
  await typeInto(citizen, '#captcha', await captchaAnswer(citizen), '#simpan-pin-baru:not([disabled])');
  await clickUntil(citizen, '#simpan-pin-baru', '#pin-baru-selesai, .progress');
  await citizen.waitForSelector('#pin-baru-menunggu', WAIT);
  assert.match(await citizen.textContent('#pin-baru-menunggu'), /\d{2}\.\d{2} WI(B|TA|T)/);
  await shot(citizen, 'lupa-pin-waiting');
  await clickUntil(citizen, '#ke-masuk', '.pinpad');
  await enterPin(citizen, '924681');
  await citizen.waitForSelector('.error-box[data-code="PIN_RESET_WAITING"]', WAIT);
  await shot(citizen, 'login-pin-waiting');

  // The owner reads the email elsewhere and follows its link: a page with one button.
  const mail = newestMail('masa tunggu');
  assert.doesNotMatch(mail, new RegExp(nik), 'the notice does not name the NIK');
  const link = mail.match(/(http\S+\/pin\/batal\/\S+)/)[1];
  const owner = await (await browser.newContext({ viewport: { width: 900, height: 700 } })).newPage();
  await owner.goto(link);
  await owner.waitForSelector('form button', WAIT);
  await shot(owner, 'pin-reset-cancel-page');
  await owner.click('form button');
  await owner.waitForSelector('text=Reset PIN dibatalkan', WAIT);
  await shot(owner, 'pin-reset-cancelled');
  await owner.context().close();
  // The PIN from before the reset is back, with the hard lock.
  await enterPin(citizen, '913580');
  await citizen.waitForSelector('.error-box[data-code="ACCOUNT_LOCKED_OFFICER_RESET"]', WAIT);
});

/** Aktifkan with `code` and the captcha on the activation screen; waits for `effect`. */
async function activateWith(page, code, effect) {
  await page.waitForSelector('#captcha-image', WAIT);
  await typeInto(page, '#code', code);
  await typeInto(page, '#captcha', await captchaAnswer(page), '#aktifkan:not([disabled])');
  await clickUntil(page, '#aktifkan', `${effect}, .progress, .error-box`);
  return page.waitForSelector(effect, WAIT);
}

/** After activation: the first PIN, then Masuk, to the home screen. */
async function firstPinAndHome(page, pin) {
  await typeInto(page, '#pin', pin);
  await typeInto(page, '#pin-again', pin, '#simpan-pin:not([disabled])');
  await clickUntil(page, '#simpan-pin', '.pinpad, .progress');
  await page.waitForSelector('.pinpad', WAIT);
  await enterPin(page, pin);
  await page.waitForSelector('#tampilkan-qr', WAIT);
}

/** The officer approves the oldest device change in the remote queue. */
async function officerApprovesRemotely(nik) {
  await clickUntil(officer, '#tab-tinjauan', '#remote-reviews');
  await clickUntil(officer, '#remote-refresh', '.remote-item');
  await clickUntil(officer, '.remote-item', '#review-device-change');
  await officer.waitForSelector('#review-registry-photo', WAIT);
  assert.match(await officer.textContent('#review-nik'), new RegExp(nik));
  await clickUntil(officer, '#setujui', '#remote-done[data-outcome="approved"], #remote-reviews .progress');
  await officer.waitForSelector('#remote-done[data-outcome="approved"]', WAIT);
}

let oldPhone, mover;

step('a new phone asks to move the account; an officer approves it remotely; the old phone sees when, and cancels it', async () => {
  assert.ok(residents.length >= 4, 'a fourth resident to move');
  mover = residents[3];
  oldPhone = await (await browser.newContext({ ...devices['Pixel 7'] })).newPage();
  await register(oldPhone, mover.nik, mover.email);
  await officerScans(await qrPicture(oldPhone, '#registration-qr', 'registration-4'));
  await clickUntil(officer, '#setujui', '#decision-done[data-outcome="approved"], #registrations .progress');
  await officer.waitForSelector('#decision-done[data-outcome="approved"]', WAIT);
  await oldPhone.waitForSelector('#email-sent', WAIT);
  await clickUntil(oldPhone, '#ke-aktivasi', '#code');
  await activateWith(oldPhone, newestCode(), '#pin');
  await firstPinAndHome(oldPhone, '902417');

  // The new phone registers the same NIK: a device change, reviewed without the counter.
  const newPhone = await (await browser.newContext({ ...devices['Pixel 7'] })).newPage();
  await register(newPhone, mover.nik, `baru.${mover.email}`);
  await newPhone.waitForSelector('#device-change-note', WAIT);
  await shot(newPhone, 'device-change-requested');
  await clickUntil(officer, '#tab-tinjauan', '#remote-reviews');
  await clickUntil(officer, '#remote-refresh', '.remote-item');
  await shot(officer, 'officer-remote-queue');
  await clickUntil(officer, '.remote-item', '#review-device-change');
  await officer.waitForSelector('#review-registry-photo', WAIT);
  await shot(officer, 'officer-remote-review');
  await clickUntil(officer, '#setujui', '#remote-done[data-outcome="approved"], #remote-reviews .progress');
  await officer.waitForSelector('#remote-done[data-outcome="approved"]', WAIT);
  await shot(officer, 'officer-remote-approved');
  assert.match(newestMail('/perangkat/batal/'), /Batalkan/, 'the registered address is told, with a cancel link');

  // The new phone learns when the move completes; its code is refused until then.
  await newPhone.waitForSelector('#device-change-waiting', WAIT);
  assert.match(await newPhone.textContent('#device-change-from'), /\d{2}\.\d{2} WI(B|TA|T)/);
  await shot(newPhone, 'device-change-waiting');
  await clickUntil(newPhone, '#ke-aktivasi', '#code');
  await activateWith(newPhone, newestCode(), '.error-box[data-code="DEVICE_CHANGE_WAITING"]');
  await shot(newPhone, 'activation-device-change-waiting');

  // The old phone, opened again, shows the banner; Batalkan asks once more.
  await oldPhone.goto(base + '/masuk');
  await oldPhone.waitForSelector('.pinpad', WAIT);
  await enterPin(oldPhone, '902417');
  await oldPhone.waitForSelector('#device-change-banner', WAIT);
  assert.match(await oldPhone.textContent('#device-change-completes'), /\d{2}\.\d{2} WI(B|TA|T)/);
  await shot(oldPhone, 'device-change-banner');
  await clickUntil(oldPhone, '#batalkan-pindah', '#yakin-batalkan');
  await shot(oldPhone, 'device-change-confirm-cancel');
  await clickUntil(oldPhone, '#yakin-batalkan', '#device-change-cancelled-here, .device-change-banner .progress');
  await oldPhone.waitForSelector('#device-change-cancelled-here', WAIT);
  await shot(oldPhone, 'device-change-cancelled-old-phone');

  // The new phone's code no longer activates, and it says what to do.
  await activateWith(newPhone, newestCode(), '.error-box[data-code="DEVICE_CHANGE_CANCELLED"]');
  assert.match(await newPhone.textContent('.error-box[data-code="DEVICE_CHANGE_CANCELLED"]'), /KTP-el/);
  await shot(newPhone, 'activation-device-change-cancelled');
  await newPhone.context().close();
});

step('a device change completes after the wait: the new phone signs in, changes the email and phone, the old phone is refused; then Data saya downloads the signed data and closes the account', async () => {
  const newPhone = await (await browser.newContext({ ...devices['Pixel 7'] })).newPage();
  await register(newPhone, mover.nik, `baru2.${mover.email}`);
  await newPhone.waitForSelector('#device-change-note', WAIT);
  await officerApprovesRemotely(mover.nik);
  await newPhone.waitForSelector('#device-change-waiting', WAIT);
  // A day passes on the service's clock (a test hook), just long enough to activate; then
  // the clock comes back to the browser's time, so the credential it issues is current.
  const day = 24 * 3600 + 60;
  const shift = async (secs) => assert.equal((await fetch(`${base}/api/v1/test-hooks/clock/shift/${secs}`, { method: 'POST' })).status, 200);
  await shift(day);
  try {
    await clickUntil(newPhone, '#ke-aktivasi', '#code');
    await activateWith(newPhone, newestCode(), '#pin');
  } finally {
    await shift(-day);
  }
  await firstPinAndHome(newPhone, '913580');
  await shot(newPhone, 'device-change-completed-home');
  await clickUntil(newPhone, 'a[href="/beranda/riwayat"]', '.activity-head');
  assert.match(await newPhone.textContent('main'), /Pindah ke ponsel baru/);
  await shot(newPhone, 'riwayat-device-changed');

  // The new phone changes the registered email and phone (Pengaturan): PIN, signature, and
  // the code sent to the new email.
  await clickUntil(newPhone, 'a[href="/beranda/pengaturan"]', '#ubah-kontak-buka');
  await clickUntil(newPhone, '#ubah-kontak-buka', '#kontak-email');
  await newPhone.waitForSelector('#kontak-sekarang', WAIT);
  await typeInto(newPhone, '#kontak-email', `kontak.${mover.email}`);
  await typeInto(newPhone, '#kontak-phone', '0813-1111-2222');
  await typeInto(newPhone, '#kontak-pin', '913580', '#kirim-kode-kontak:not([disabled])');
  await shot(newPhone, 'ubah-kontak');
  await clickUntil(newPhone, '#kirim-kode-kontak', '#kode-kontak-terkirim, .progress');
  await newPhone.waitForSelector('#kode-kontak-terkirim', WAIT);
  await typeInto(newPhone, '#kode-kontak', newestCode('Kode konfirmasi'), '#simpan-kontak:not([disabled])');
  await shot(newPhone, 'ubah-kontak-kode');
  await clickUntil(newPhone, '#simpan-kontak', '#kontak-diubah, .progress');
  await newPhone.waitForSelector('#kontak-diubah', WAIT);
  assert.match(await newPhone.textContent('#kontak-diubah'), /k•••@contoh\.id/);
  await shot(newPhone, 'ubah-kontak-selesai');
  // The address moved from gets a link that would undo it (opened, not pressed: a GET
  // changes nothing).
  let restoreMail;
  for (let i = 0; i < 100 && !restoreMail; i++) {
    try { restoreMail = newestMail('/kontak/kembalikan/'); } catch { await sleep(100); }
  }
  assert.ok(restoreMail, 'a notice with the restore link');
  const restoreToken = restoreMail.split('/kontak/kembalikan/')[1].match(/^[A-Za-z0-9_-]+/)[0];
  const restorePage = await newPhone.context().newPage();
  await restorePage.goto(`${base}/kontak/kembalikan/${restoreToken}`);
  await restorePage.waitForSelector('form[method="post"] button', WAIT);
  await shot(restorePage, 'kontak-kembalikan');
  await restorePage.close();

  // The old phone's session ended; its key no longer signs in.
  await oldPhone.goto(base + '/masuk');
  await oldPhone.waitForSelector('.pinpad', WAIT);
  await enterPin(oldPhone, '902417');
  await oldPhone.waitForSelector('.error-box[data-code="DEVICE_SIGNATURE_INVALID"]', WAIT);
  await shot(oldPhone, 'old-phone-after-device-change');
  await oldPhone.context().close();

  // Data saya: the signed download, then the account closed with the PIN and a tick.
  await clickUntil(newPhone, '#kembali-pengaturan', '#data-saya-buka');
  await clickUntil(newPhone, '#data-saya-buka', '#unduh-data');
  await shot(newPhone, 'data-saya');
  await clickUntil(newPhone, '#unduh-data', '#data-siap, #data-saya .progress');
  await newPhone.waitForSelector('#data-siap', WAIT);
  const href = await newPhone.getAttribute('#simpan-data', 'href');
  const file = JSON.parse(Buffer.from(href.split(',')[1], 'base64').toString('utf8'));
  assert.equal(file.data.ktp.nik, mover.nik);
  assert.ok(file.cose_sign1.length > 100, 'the signature comes with the data');
  // The readable PDF, as poppler reads it: the resident's record, and the signed export
  // attached.
  const pdfHref = await newPhone.getAttribute('#simpan-pdf', 'href');
  assert.match(pdfHref, /^data:application\/pdf;base64,/);
  // Kept beside the screenshots, for the README's picture of it.
  const pdfFile = path.join(out, 'data-saya.pdf');
  fs.writeFileSync(pdfFile, Buffer.from(pdfHref.split(',')[1], 'base64'));
  const pdfText = spawnSync('pdftotext', [pdfFile, '-'], { encoding: 'utf8' });
  assert.equal(pdfText.status, 0, `pdftotext (poppler-utils): ${pdfText.stderr}`);
  assert.ok(pdfText.stdout.includes(mover.nik), pdfText.stdout);
  assert.match(pdfText.stdout, /Tanda tangan \/ Signature/);
  const attachments = spawnSync('pdfdetach', ['-list', pdfFile], { encoding: 'utf8' });
  assert.match(attachments.stdout, /ikd-data-saya\.cose/);
  await shot(newPhone, 'data-saya-siap');
  await typeInto(newPhone, '#tutup-pin', '913580');
  await actUntil('tick "I have read"', async (attempt) => {
    if (attempt > 0) await newPhone.uncheck('#tutup-mengerti');
    await newPhone.check('#tutup-mengerti');
  }, newPhone.locator('#tutup-akun:not([disabled])'));
  await clickUntil(newPhone, '#tutup-akun', '#tutup-yakin');
  await shot(newPhone, 'tutup-akun-yakin');
  await clickUntil(newPhone, '#tutup-yakin', '#akun-ditutup, #data-saya .progress');
  await newPhone.waitForSelector('#akun-ditutup', WAIT);
  await shot(newPhone, 'akun-ditutup');
  assert.match(newestMail('ditutup pada'), /Data kependudukan|data kependudukan/);
  await clickUntil(newPhone, '#ke-awal', '#daftar');
  await newPhone.context().close();
});
