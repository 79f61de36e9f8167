// node play_progressive.mjs <media-url|embed-page.html> [seconds]
// Plays a progressive URL (fragmented MP4, WebM) in a <video> element of headless Chromium, or
// opens an embed page (/STREAM.html, whose player.js makes the <video>), and prints a JSON
// verdict; exit 0 when frames were decoded and currentTime advanced by > 2 s.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [url, secs = '8'] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), 'haze-chr-'));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync',
         '--autoplay-policy=no-user-gesture-required'],
});
let verdict = { ok: false };
try {
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  if (url.endsWith('.html')) await page.goto(url);
  else await page.setContent(`<video muted autoplay playsinline src="${url}"></video>`);
  const samples = [];
  for (let i = 0; i < Number(secs); i++) {
    await page.waitForTimeout(1000);
    samples.push(await page.evaluate(() => {
      const v = document.querySelector('video');
      if (!v) return { t: 0, w: 0, h: 0, frames: 0, readyState: 0, error: 'no video element' };
      const q = v.getVideoPlaybackQuality();
      return { t: v.currentTime, w: v.videoWidth, h: v.videoHeight, frames: q.totalVideoFrames,
               readyState: v.readyState, src: v.currentSrc,
               error: v.error ? v.error.code + ' ' + v.error.message : null };
    }));
  }
  const first = samples.find((s) => s.frames > 0) || samples[0];
  const last = samples[samples.length - 1];
  verdict = { ok: last.frames > 0 && last.w > 0 && last.t > first.t + 2 && !last.error,
              first, last, errors };
} finally {
  await ctx.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(verdict));
process.exit(verdict.ok ? 0 : 1);
