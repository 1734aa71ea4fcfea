// Drives the citizen app in the browser renderer the way a person does (a Pixel 7 profile of
// Debian's Chromium), approves at the service as an officer would, and screenshots every
// screen. Usage: node walkthrough.mjs APP_URL API_URL DATA_DIR NIK OUT_DIR
import { chromium, devices } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

const [app, api, dataDir, nik, out] = process.argv.slice(2);
fs.mkdirSync(out, { recursive: true });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const ctx = await browser.newContext({ ...devices['Pixel 7'] });
const page = await ctx.newPage();
let n = 0;
const shot = async (name) => {
  n += 1;
  const file = path.join(out, `${String(n).padStart(2, '0')}-${name}.png`);
  await page.waitForTimeout(300);
  await page.screenshot({ path: file });
  console.log('screenshot', file);
};
const post = async (p, body, token) => {
  const r = await fetch(`${api}/api/v1${p}`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${p}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
};

await page.goto(app);
await page.waitForSelector('#daftar');
await shot('welcome-id');
await page.click('#lang-en');
await page.waitForSelector('text=Digital Population Identity');
await shot('welcome-en');
await page.click('#lang-id');
await page.click('#daftar');
await page.waitForSelector('#lanjutkan');
await shot('notice');
await page.click('#lanjutkan');
await page.waitForSelector('#lanjut');
await shot('consent-off');
await page.click('label.switch');
await page.waitForSelector('#lanjut:not([disabled])');
await shot('consent-on');
await page.click('#lanjut');
await page.waitForSelector('#nik');
await page.fill('#nik', '3171013002040001');
await page.waitForSelector('#nik-error');
await shot('data-entry-invalid-nik');
await page.fill('#nik', nik);
await page.fill('#email', 'warga@contoh.co.id');
await page.fill('#phone', '081234567890');
await page.waitForSelector('#isi-data:not([disabled])');
await shot('data-entry-filled');
await page.click('#isi-data');
await page.waitForSelector('#ambil-foto', { timeout: 15000 });
await shot('selfie-live');
await page.click('#ambil-foto');
await page.waitForSelector('#kirim-foto');
await shot('selfie-captured');
await page.click('#kirim-foto');
const qrEl = await page.waitForSelector('#registration-qr', { timeout: 30000 });
await shot('registration-qr');
const regQr = await qrEl.getAttribute('data-qr');

// The officer at the counter (the console is its own screen; here its API calls).
const officer = await post('/officer/login', { username: 'petugas1', password: 'officer-pass-1' });
await post('/officer/scan', { qr: regQr }, officer.token);
await post('/officer/decision', { qr: regQr, approve: true }, officer.token);
await page.waitForSelector('#email-sent', { timeout: 15000 });
await shot('email-sent');

const outbox = path.join(dataDir, 'outbox');
const mail = fs.readdirSync(outbox).map((f) => fs.readFileSync(path.join(outbox, f), 'utf8')).join('\n');
const code = mail.match(/\b(\d{6})\b/)[1];
await page.click('#ke-aktivasi');
await page.waitForSelector('#captcha-image');
await shot('activation');
await page.fill('#code', code);
// The captcha's answer through the test hook (only in the UI-test build of the service).
const captchaId = await page.getAttribute('#captcha-image', 'data-captcha-id');
const answer = await (await fetch(`${api}/api/v1/test-hooks/captcha/${captchaId}`)).text();
await page.fill('#captcha', answer);
await page.waitForSelector('#aktifkan:not([disabled])');
await shot('activation-filled');
await page.click('#aktifkan');
await page.waitForSelector('#pin');
await page.fill('#pin', '123456');
await page.waitForSelector('text=berurutan', { timeout: 5000 }).catch(() => {});
await shot('set-pin-too-easy');
await page.fill('#pin', '902417');
await page.fill('#pin-again', '902417');
await page.waitForSelector('#simpan-pin:not([disabled])');
await page.click('#simpan-pin');
await page.waitForSelector('.pinpad');
await shot('login');
for (const d of '902417') await page.click(`.key[data-key="${d}"]`);
await page.waitForSelector('#tampilkan-qr', { timeout: 20000 });
await shot('home-ktp-digital');
await page.click('#profile-age_over_17');
await page.click('#tampilkan-qr');
await page.waitForSelector('#identity-qr');
await shot('home-identity-qr');
for (const [href, name, sel] of [['/beranda/ktp', 'ktp-el', '#ktp-card'], ['/beranda/kk', 'kk', '#kk-head'],
  ['/beranda/dokumen', 'dokumen', '.doc-list, #no-documents'], ['/beranda/riwayat', 'riwayat', '#activity'],
  ['/beranda/pengaturan', 'pengaturan', '#ubah-pin']]) {
  await page.click(`a[href="${href}"]`);
  await page.waitForSelector(sel, { timeout: 15000 });
  await shot(name);
}
await page.click('#lang-en');
await page.click('a[href="/beranda"]');
await page.waitForSelector('#tampilkan-qr');
await shot('home-en');
await browser.close();
