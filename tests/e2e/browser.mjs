// Shared helpers for the browser tests: a fresh headless Chromium profile driven by
// playwright-core (no browser download: Debian's /usr/bin/chromium), and playback checks.
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function launch() {
  const profile = mkdtempSync(join(tmpdir(), 'haze-chr-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
           '--disable-component-update', '--no-first-run', '--disable-quic',
           '--autoplay-policy=no-user-gesture-required'],
  });
  return {
    ctx,
    async close() {
      await ctx.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

// Resolves with {t0, t1} once the page's <video> (inside |scope|) advanced by |secs| seconds.
export async function waitPlaying(page, scope, secs, timeoutMs) {
  const read = () => page.evaluate((sel) => {
    const v = document.querySelector(`${sel} video`);
    return v ? { t: v.currentTime, w: v.videoWidth, err: v.error && v.error.code } : null;
  }, scope);
  const deadline = Date.now() + timeoutMs;
  let first = null;
  let last = null;
  while (Date.now() < deadline) {
    last = await read();
    if (last && last.t > 0 && last.w > 0) {
      if (!first) first = last;
      else if (last.t - first.t >= secs) return { t0: first.t, t1: last.t };
    }
    await page.waitForTimeout(500);
  }
  throw new Error(`video did not advance ${secs}s within ${timeoutMs}ms (first ${JSON.stringify(first)}, last ${JSON.stringify(last)})`);
}

export function artifactsDir() {
  const dir = join(process.env.HAZE_BUILD_DIR || '../../build', 'test-artifacts');
  mkdirSync(dir, { recursive: true });
  return dir;
}

// Runs named async steps, printing PASS/FAIL; exits non-zero on the first failure.
export async function steps(list) {
  for (const [name, fn] of list) {
    const t = Date.now();
    try {
      await fn();
      console.log(`PASS ${name} (${((Date.now() - t) / 1000).toFixed(1)}s)`);
    } catch (e) {
      console.log(`FAIL ${name}: ${e && e.stack ? e.stack : e}`);
      return false;
    }
  }
  return true;
}
