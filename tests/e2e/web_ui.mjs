// node web_ui.mjs <api-base-url> <http-base-url>
// Drives the management UI in headless Chromium against a running haze whose API does not
// auto-authorize local clients: creates the first account through the UI, logs in, screenshots
// the overview, adds a videogen stream and sees its preview play, adds and removes an automatic
// push, and sees log lines arrive over the WebSocket.
import { join } from 'node:path';
import { launch, waitPlaying, artifactsDir, steps } from './browser.mjs';

const [api, http] = process.argv.slice(2);
const browser = await launch();
const page = await browser.ctx.newPage();
const pageErrors = [];
page.on('pageerror', (e) => pageErrors.push(String(e)));
const alerts = () => page.locator('.notice.error').allTextContents();

const ok = await steps([
  ['create account and log in', async () => {
    // No ?http= override: the UI must find the media port itself (capabilities.listen_ports).
    await page.goto(`${api}/`);
    await page.getByRole('heading', { name: 'Create the first account' }).waitFor({ timeout: 10000 });
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', 'secret-pw');
    await page.click('button[type=submit]');
    await page.getByRole('heading', { name: 'Overview' }).waitFor({ timeout: 10000 });
    // A fresh page must now go through the challenge login with the new account.
    await page.evaluate(() => sessionStorage.clear());
    await page.reload();
    await page.getByRole('heading', { name: 'Log in' }).waitFor({ timeout: 10000 });
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', 'wrong');
    await page.click('button[type=submit]');
    await page.locator('.notice.error', { hasText: 'wrong user name or password' }).waitFor({ timeout: 5000 });
    await page.fill('input[name=password]', 'secret-pw');
    await page.click('button[type=submit]');
    await page.getByRole('heading', { name: 'Overview' }).waitFor({ timeout: 10000 });
  }],
  ['overview shows the online stream', async () => {
    await page.waitForFunction(() => document.querySelector('[data-tile="Streams online"]').textContent === '1 / 1',
      null, { timeout: 20000 });
    await page.waitForTimeout(5000);  // a few chart points
    await page.screenshot({ path: join(artifactsDir(), 'ui-overview.png'), fullPage: true });
  }],
  ['add a stream and its preview plays', async () => {
    const embed = await page.evaluate(async () => (await import('./js/shell.js')).httpBase());
    if (embed.replace(/\/$/, "") !== http.replace(/\/$/, "")) throw new Error(`UI media base ${embed}, server media ${http}`);
    await page.click('a[href="#streams"]');
    await page.click('#add-stream');
    await page.fill('input[name=name]', 'cam');
    await page.selectOption('select[name=template]', 'videogen');
    await page.check('input[name=always_on]');
    await page.click('#stream-form button[type=submit]');
    await page.getByRole('heading', { name: 'Stream cam' }).waitFor({ timeout: 10000 });
    await waitPlaying(page, '#preview', 2, 45000);
    const urls = await page.locator('#urls code').allTextContents();
    if (!urls.some((u) => u.includes('/cmaf/cam/index.m3u8'))) throw new Error(`playback URLs: ${urls}`);
    await page.screenshot({ path: join(artifactsDir(), 'ui-stream.png'), fullPage: true });
  }],
  ['an API error is shown', async () => {
    await page.goto(`${api}/#edit`);
    await page.fill('input[name=name]', 'bad');
    await page.fill('textarea[name=extra]', '{"source": 5}');
    await page.fill('input[name=source]', '');
    await page.evaluate(() => document.querySelector('input[name=source]').removeAttribute('required'));
    await page.click('#stream-form button[type=submit]');
    await page.locator('.notice.error', { hasText: 'bad' }).waitFor({ timeout: 5000 });
  }],
  ['add and remove an automatic push', async () => {
    await page.goto(`${api}/#pushes`);
    await page.fill('input[name=auto-stream]', 'later');
    await page.fill('input[name=auto-target]', 'rtmp://127.0.0.1:9/live/later');
    await page.click('#push-auto button[type=submit]');
    const row = page.locator('#auto-list tr[data-auto="later rtmp://127.0.0.1:9/live/later"]');
    await row.waitFor({ timeout: 10000 });
    await row.getByRole('button', { name: 'Remove' }).click();
    await row.waitFor({ state: 'detached', timeout: 10000 });
  }],
  ['log lines arrive over the WebSocket', async () => {
    await page.goto(`${api}/#logs`);
    await page.locator('#ws-state', { hasText: 'live' }).waitFor({ timeout: 10000 });
    await page.locator('#log-lines div').first().waitFor({ timeout: 15000 });
  }],
]);
const errs = await alerts().catch(() => []);
if (errs.length) console.log('notices:', JSON.stringify(errs));
if (pageErrors.length) console.log('page errors:', JSON.stringify(pageErrors));
await browser.close();
process.exit(ok && !pageErrors.length ? 0 : 1);
