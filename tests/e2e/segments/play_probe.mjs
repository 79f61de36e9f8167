// node play_probe.mjs <pageUrl> [seconds] -> JSON verdict; exit 0 when frames were decoded,
// currentTime advanced by more than 2 s and no fatal player error was raised.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const [url, secs = '12'] = process.argv.slice(2);
const udd = mkdtempSync(join(tmpdir(), 'chr-'));
const ctx = await chromium.launchPersistentContext(udd, {
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync',
         '--autoplay-policy=no-user-gesture-required'],
});
const page = await ctx.newPage();
const httpErr = [];
page.on('response', r => { if (r.status() >= 400 && !r.url().endsWith('favicon.ico')) httpErr.push(r.status() + ' ' + r.url()); });
await page.goto(url);
const samples = [];
for (let i = 0; i < Number(secs); i++) { await page.waitForTimeout(1000); samples.push(await page.evaluate(() => window.sample())); }
const probe = await page.evaluate(() => window.probe);
await ctx.close(); rmSync(udd, { recursive: true, force: true });
const first = samples.find(s => s.total > 0) || samples[0], last = samples[samples.length - 1];
const fatal = probe.errors.filter(e => /fatal=true/.test(e));
const ok = last.total > 0 && last.t > (first.t || 0) + 2 && fatal.length === 0;
console.log(JSON.stringify({ ok, lib: probe.lib, first, last, events: probe.events.slice(0, 8), errors: probe.errors.slice(0, 5), httpErr: httpErr.slice(0, 8) }));
process.exit(ok ? 0 : 1);
