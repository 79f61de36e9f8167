// node web_embed.mjs <http-base-url> <stream>
// Opens the embed page /<stream>.html in headless Chromium: player.js must pick hls.js on the
// CMAF (LL-HLS) source and play; then, with every /cmaf/ request failing, it must fall back to
// another source and still play. Saves a screenshot of the embed page.
import { join } from 'node:path';
import { launch, waitPlaying, artifactsDir, steps } from './browser.mjs';

const [http, stream] = process.argv.slice(2);
const browser = await launch();
const pageErrors = [];
const state = (page) => page.evaluate(() => {
  const p = document.querySelector('.mistvideo').hazePlayer;
  return p ? { tech: p.tech, url: p.source && p.source.url, log: p.log } : null;
});

const ok = await steps([
  ['embed page plays the live stream via hls.js', async () => {
    const page = await browser.ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`${http}${stream}.html`);
    await waitPlaying(page, '.mistvideo', 3, 45000);
    const s = await state(page);
    if (s.tech !== 'hlsjs' || !s.url.includes('/cmaf/')) throw new Error(`picked ${JSON.stringify(s)}`);
    const foreign = requests.filter((u) => /^(https?|wss?):/.test(u) && !u.startsWith(http));
    if (foreign.length) throw new Error(`requests outside Haze: ${foreign}`);
    if (!requests.some((u) => u.endsWith('/hlsjs.js'))) throw new Error('hls.js not loaded from /hlsjs.js');
    await page.locator('.mistvideo .haze-stats').waitFor();
    await page.screenshot({ path: join(artifactsDir(), 'embed.png') });
    await page.close();
  }],
  ['embed page falls back when the first source fails', async () => {
    const page = await browser.ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.route('**/cmaf/**', (route) => route.abort('failed'));
    await page.goto(`${http}${stream}.html`);
    await waitPlaying(page, '.mistvideo', 2, 60000);
    const s = await state(page);
    if (s.url.includes('/cmaf/') || !s.log.some((l) => l.includes('/cmaf/'))) {
      throw new Error(`no fallback: ${JSON.stringify(s)}`);
    }
    console.log(`fell back to ${s.tech} ${s.url}`);
    await page.close();
  }],
]);
if (pageErrors.length) console.log('page errors:', JSON.stringify(pageErrors));
await browser.close();
process.exit(ok && !pageErrors.length ? 0 : 1);
