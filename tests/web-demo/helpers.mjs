// Shared by the web demo's browser tests: Chromium (the system's; never
// downloaded), the demo server, the native CLI's reference scores, and a
// browser context that records every request and aborts any to a host other
// than the page's own origin and the chosen chat endpoint.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { root } from '../../scripts/demo-server.mjs';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const CAPPY_BIN = process.env.CAPPY_BIN ?? join(root, 'build', 'bin', 'cappy');
export const MODEL = join(root, 'models', 'cappy-mini.cappy');
// Screenshots: CAPPY_TEST_ARTIFACTS, else build/test-artifacts/web-demo (gitignored).
export const ARTIFACTS = process.env.CAPPY_TEST_ARTIFACTS ?? join(root, 'build', 'test-artifacts', 'web-demo');

const BASE_FLAGS = ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-default-apps'];

// webgpu: true launches with WebGPU on (SwiftShader in headless Chromium);
// false with WebGPU switched off, as on a browser without it.
export async function launch({ webgpu }) {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing (Debian package chromium; scripts/install-deps)`);
  const flags = webgpu ? [...BASE_FLAGS, '--enable-unsafe-webgpu'] : [...BASE_FLAGS, '--disable-features=WebGPU,Vulkan', '--disable-gpu'];
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: flags });
}

// The native CLI's scores of (instruction, responses) with the same model.
export function nativeScores(instruction, responses) {
  assert.ok(existsSync(CAPPY_BIN), `${CAPPY_BIN} is missing: build first (scripts/build)`);
  // The q8 kernel with f32 activations, the page's arithmetic (the native default rounds them to int8).
  const out = execFileSync(CAPPY_BIN, ['score', '--model', MODEL], {
    input: `${JSON.stringify({ instruction, responses })}\n`, encoding: 'utf8', env: { ...process.env, CAPPY_Q8_KERNEL: 'portable' },
  });
  return JSON.parse(out).scores;
}

// The ranked answers on the page: [{ text, score, rank }] in list order.
export async function rankedAnswers(page) {
  return page.$$eval('[data-testid=candidate]', (items) => items.map((li) => ({
    text: li.querySelector('.text').textContent, score: Number(li.dataset.score), rank: Number(li.dataset.rank),
  })));
}

// The page's order against the native CLI's: every score within `tol` of
// native, and every pair whose native scores differ by more than twice the
// tolerance (a real preference, not q8/float noise) in the native order.
export function assertNativeOrder(instruction, answers, tol) {
  assert.deepEqual(answers.map((a) => a.rank), answers.map((_, i) => i + 1), 'ranks are 1..N in list order');
  for (let i = 1; i < answers.length; ++i) assert.ok(answers[i - 1].score >= answers[i].score, 'best first');
  const native = nativeScores(instruction, answers.map((a) => a.text));
  answers.forEach((a, i) => assert.ok(Math.abs(a.score - native[i]) <= tol, `"${a.text}": page ${a.score}, native ${native[i]} (tolerance ${tol})`));
  let separated = 0;
  for (let i = 0; i < answers.length; ++i) {
    for (let j = i + 1; j < answers.length; ++j) {
      if (Math.abs(native[i] - native[j]) <= 2 * tol) continue;
      separated += 1;
      assert.ok(native[i] > native[j], `the page ranks "${answers[i].text}" (#${i + 1}) above "${answers[j].text}", native scores ${native[i]} < ${native[j]}`);
    }
  }
  return { native, separated };
}

// A context that lets through requests to `allowed` origins only (the page's
// and the endpoint's) and records every request, let through or not.
export async function guardedContext(browser, allowed) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 1400 } });
  const seen = [];
  const foreign = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    seen.push(url);
    const origin = new URL(url).origin;
    if (allowed.includes(origin)) return route.continue();
    foreign.push(url);
    return route.abort('blockedbyclient');
  });
  context.on('request', (request) => { if (!seen.includes(request.url())) seen.push(request.url()); });
  return { context, seen, foreign };
}

// Console messages that report a Content-Security-Policy violation, and page errors.
export function watchProblems(page) {
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) problems.push(`CSP: ${m.text()}`); });
  return problems;
}

// Points the page at `endpoint`; a new origin reloads the page (its CSP).
export async function setEndpoint(page, endpoint, { reloads }) {
  await page.fill('[data-testid=endpoint]', endpoint);
  const change = page.locator('[data-testid=endpoint]').dispatchEvent('change');
  if (reloads) await Promise.all([page.waitForEvent('load'), change]);
  else await change;
  assert.equal(await page.inputValue('[data-testid=endpoint]'), endpoint);
}

export async function modelReady(page) {
  await page.waitForSelector('[data-testid=device-info][data-device]', { timeout: 60000 });
  return page.getAttribute('[data-testid=device-info]', 'data-device');
}

export async function finished(page) {
  await page.waitForSelector('[data-testid=status]:is([data-state=done], [data-state=error])', { timeout: 60000 });
  return { state: await page.getAttribute('[data-testid=status]', 'data-state'), text: await page.textContent('[data-testid=status]') };
}

export function screenshotPath(name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}
