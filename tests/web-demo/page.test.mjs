// The web demo in headless Chromium against the mock chat API: answers
// arrive (streamed or not, with n or parallel requests), are scored by the
// wasm module on WebGPU and ranked in the native CLI's order; pasted
// candidates; API errors shown in the status; no WebGPU -> wasm, said so.
// Every context aborts and records requests to any host other than the
// page's and the endpoint's, and the test asserts there were none.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemoServer, exportSite } from '../../scripts/demo-server.mjs';
import { startMockOpenAI, ANSWERS } from './mock-openai.mjs';
import {
  launch, guardedContext, watchProblems, setEndpoint, modelReady, finished, rankedAnswers,
  assertNativeOrder, screenshotPath, MODEL,
} from './helpers.mjs';

const PROMPT = 'What is the capital of France?';
// q8 weights on both sides; WebGPU sums in another order than the CPU (the
// module's own tests measure 5e-7; the bar for the module is 1e-3).
const TOL = 1e-4;

let demo;
let mock;
before(async () => {
  demo = await startDemoServer({ port: 0 });
  // The mock also serves a copy of the model: a user-given bundle URL on another origin.
  mock = await startMockOpenAI({ files: { 'copy.cappy': readFileSync(MODEL) } });
});
after(async () => {
  await demo?.close();
  await mock?.close();
});

// The mock server under another name: another origin (a bundle host).
const otherOrigin = () => mock.url.replace('127.0.0.1', 'localhost');

async function openDemo(browser, endpointMode, extraOrigins = []) {
  const guard = await guardedContext(browser, [demo.url, mock.url, ...extraOrigins]);
  const page = await guard.context.newPage();
  const problems = watchProblems(page);
  await page.goto(`${demo.url}/`);
  await setEndpoint(page, mock.endpoint(endpointMode), { reloads: true });
  return { ...guard, page, problems };
}

function assertClean({ seen, foreign, problems }, { chat }) {
  assert.deepEqual(foreign, [], 'requests to other hosts');
  assert.deepEqual(problems, []);
  assert.ok(seen.includes(`${demo.url}/models/cappy-mini.cappy`), 'the model request (from the worker) was seen');
  assert.ok(seen.some((u) => u.startsWith(`${demo.url}/cappy/`)), 'the module was loaded from the page\'s origin');
  if (chat) assert.ok(seen.some((u) => u.startsWith(`${mock.url}/`) && u.endsWith('/v1/chat/completions')), 'the chat request was seen');
}

test('with WebGPU: streamed, non-streamed, pasted answers ranked as the native CLI ranks them; errors in the status', async (t) => {
  const browser = await launch({ webgpu: true });
  try {
    const session = await openDemo(browser, 'slow', [otherOrigin()]);
    const { page } = session;
    assert.equal(await modelReady(page), 'webgpu', await page.textContent('[data-testid=device-info]'));

    await t.test('the policy: only this page and the endpoint, in the page and in its worker', async () => {
      assert.equal(await page.getAttribute('html', 'data-allowed-origins'), mock.url);
      // The context lets requests to otherOrigin() through: only the page's
      // policy can refuse them, and it reports a connect-src violation.
      const tryFetch = (url) => `new Promise((resolve) => {
        let violated = null;
        self.addEventListener('securitypolicyviolation', (e) => { violated = e.effectiveDirective; });
        fetch(${JSON.stringify(url)}, { method: 'POST' }).then(() => resolve('fetched'),
          (e) => setTimeout(() => resolve(violated ? 'refused by ' + violated : 'failed: ' + e.message), 100));
      })`;
      const elsewhere = `${otherOrigin()}/ok/v1/chat/completions`;  // the same server, another origin
      assert.equal(await page.evaluate(tryFetch(elsewhere)), 'refused by connect-src');
      const [worker] = page.workers();
      assert.ok(worker, 'the scoring worker runs');
      assert.equal(await worker.evaluate(tryFetch(elsewhere)), 'refused by connect-src');
      assert.equal(await worker.evaluate(tryFetch('https://example.org/')), 'refused by connect-src');
      // The endpoint itself is reachable (the answer is a 400: no messages).
      assert.equal(await page.evaluate(tryFetch(`${mock.endpoint('ok')}/chat/completions`)), 'fetched');
      assert.equal(await worker.evaluate(tryFetch(`${mock.endpoint('ok')}/chat/completions`)), 'fetched');
      session.problems.length = 0;  // the refusals above were logged as violations
    });

    await t.test('streamed with n: answers shown as they arrive, then ranked', async () => {
      mock.requests.length = 0;
      await page.fill('[data-testid=model-name]', 'mock-model');
      await page.fill('[data-testid=api-key]', 'test-key');
      await page.fill('[data-testid=n]', '4');
      await page.fill('[data-testid=prompt]', PROMPT);
      await page.click('[data-testid=generate]');
      // A partial answer on screen while the stream is still going.
      const partial = await page.waitForFunction((answers) => {
        for (const li of document.querySelectorAll('[data-testid=candidate-pending]')) {
          const text = li.querySelector('.text').textContent;
          if (text && answers.some((a) => a.startsWith(text) && a !== text)) return text;
        }
        return null;
      }, ANSWERS.slice(0, 4), { timeout: 30000 });
      assert.ok((await partial.jsonValue()).length > 0);
      const status = await finished(page);
      assert.equal(status.state, 'done', status.text);
      assert.match(status.text, /Cappy's pick: answer \d, the best of 4 /);
      assert.match(status.text, /One request with n=4/);
      const answers = await rankedAnswers(page);
      assert.deepEqual(answers.map((a) => a.text).sort(), ANSWERS.slice(0, 4).sort());
      const { separated } = assertNativeOrder(PROMPT, answers, TOL);
      assert.ok(separated >= 2, `only ${separated} pairs are far enough apart to rank`);
      assert.equal(await page.locator('.pick [data-testid], li.pick').count(), 1);
      assert.equal(await page.getAttribute('li.pick', 'data-rank'), '1');
      const posts = mock.requests.filter((r) => r.method === 'POST');
      assert.equal(posts.length, 1);
      assert.equal(posts[0].body.n, 4);
      assert.equal(posts[0].body.stream, true);
      assert.equal(posts[0].body.model, 'mock-model');
      assert.deepEqual(posts[0].body.messages, [{ role: 'user', content: PROMPT }]);
      assert.equal(posts[0].authorization, 'Bearer test-key');
      assert.match(await page.textContent('[data-testid=timings]'), /scoring: 4 answers in \d+ batch/);
      await page.screenshot({ path: screenshotPath('web-demo-webgpu.png'), fullPage: true });
    });

    await t.test('not streamed, an endpoint that ignores n: parallel requests, ranked', async () => {
      await setEndpoint(page, mock.endpoint('ignore-n'), { reloads: false });
      await page.click('#more-settings summary');
      await page.uncheck('[data-testid=stream]');
      await page.fill('[data-testid=n]', '3');
      mock.requests.length = 0;
      await page.click('[data-testid=generate]');
      const status = await finished(page);
      assert.equal(status.state, 'done', status.text);
      assert.match(status.text, /ignored n/);
      const answers = await rankedAnswers(page);
      assert.equal(answers.length, 3);
      assertNativeOrder(PROMPT, answers, TOL);
      const posts = mock.requests.filter((r) => r.method === 'POST');
      assert.deepEqual(posts.map((r) => [r.body.n, r.body.stream]), [[3, false], [undefined, false], [undefined, false]]);
      // Remembered: the next run sends its 3 requests at once, none with n.
      mock.requests.length = 0;
      await page.click('[data-testid=generate]');
      assert.equal((await finished(page)).state, 'done');
      assert.deepEqual(mock.requests.filter((r) => r.method === 'POST').map((r) => r.body.n), [undefined, undefined, undefined]);
    });

    await t.test('one parallel request failing: the other answers ranked, the failure in the status', async () => {
      await setEndpoint(page, mock.endpoint('flaky'), { reloads: false });
      await page.click('[data-testid=generate]');
      const status = await finished(page);
      assert.equal(status.state, 'error', status.text);
      assert.match(status.text, /Cappy's pick: answer \d, the best of 2 .*1 of 3 requests failed: HTTP 503/);
      assertNativeOrder(PROMPT, await rankedAnswers(page), TOL);
    });

    await t.test('pasted candidates', async () => {
      const pasted = ['Paris is the capital.', 'Madrid', 'It is Paris, on the Seine.\nA second line.', 'No idea.'];
      await page.fill('[data-testid=paste]', pasted.join('\n---\n'));
      mock.requests.length = 0;
      await page.click('[data-testid=score-pasted]');
      const status = await finished(page);
      assert.equal(status.state, 'done', status.text);
      const answers = await rankedAnswers(page);
      assert.deepEqual(answers.map((a) => a.text).sort(), pasted.sort());
      assertNativeOrder(PROMPT, answers, TOL);
      assert.equal(mock.requests.length, 0, 'paste mode asks no API');
    });

    await t.test('Stop ends a request that hangs', async () => {
      await setEndpoint(page, mock.endpoint('hang'), { reloads: false });
      await page.click('[data-testid=generate]');
      await page.waitForSelector('[data-testid=status][data-state=busy]');
      await page.click('[data-testid=stop]');
      await page.waitForSelector('[data-testid=status][data-state=idle]:has-text("Stopped.")');
      assert.ok(await page.isDisabled('[data-testid=stop]'));
    });

    await t.test('API errors are shown in the status', async () => {
      await page.fill('[data-testid=timeout]', '1');
      await page.locator('[data-testid=timeout]').dispatchEvent('change');
      const cases = [
        ['401', /HTTP 401.*API key was refused.*Incorrect API key/],
        ['500', /HTTP 500.*server failed/],
        ['hang', /No answer from .* for 1 s \(timeout\)/],
        ['nocors', /CORS/],
      ];
      for (const [mode, message] of cases) {
        await setEndpoint(page, mock.endpoint(mode), { reloads: false });
        await page.click('[data-testid=generate]');
        const status = await finished(page);
        assert.equal(status.state, 'error', `${mode}: ${status.text}`);
        assert.match(status.text, message, mode);
        assert.equal(await page.locator('[data-testid=candidate]').count(), 0, `${mode}: no answers`);
        if (mode === 'nocors') session.problems.length = 0;  // Chromium logs the CORS refusal
      }
      assertClean(session, { chat: true });
    });
  } finally {
    await browser.close();
  }
});

test('without WebGPU: the page falls back to wasm, says so, and scores as the native CLI does; a bundle URL, cached', async () => {
  const browser = await launch({ webgpu: false });
  try {
    const session = await openDemo(browser, 'ok', [otherOrigin()]);
    const { page } = session;
    assert.equal(await modelReady(page), 'wasm');
    assert.match(await page.textContent('[data-testid=device-info]'), /wasm .*WebGPU not used: .+/);
    // scripts/demo's headers make the page cross-origin isolated (what wasm threads need).
    assert.equal(await page.evaluate(() => crossOriginIsolated), true);
    assert.match(await page.textContent('[data-testid=device-info]'), /, cross-origin isolated\)/);

    // The API key: never in localStorage; in sessionStorage only while "remember" is ticked.
    const stored = () => page.evaluate(() => ({ local: JSON.stringify({ ...localStorage }), session: JSON.stringify({ ...sessionStorage }) }));
    await page.fill('[data-testid=api-key]', 'secret-key-1');
    await page.locator('[data-testid=model-name]').dispatchEvent('change');  // settings saved
    assert.doesNotMatch((await stored()).local, /secret-key-1/);
    assert.doesNotMatch((await stored()).session, /secret-key-1/);
    await page.check('[data-testid=remember-key]');
    assert.match((await stored()).session, /secret-key-1/);
    await page.reload();
    assert.equal(await page.inputValue('[data-testid=api-key]'), 'secret-key-1');
    await page.uncheck('[data-testid=remember-key]');
    assert.doesNotMatch((await stored()).session, /secret-key-1/);
    assert.doesNotMatch((await stored()).local, /secret-key-1/);
    await page.reload();
    assert.equal(await page.inputValue('[data-testid=api-key]'), '');
    await modelReady(page);
    await page.fill('[data-testid=prompt]', PROMPT);
    await page.fill('[data-testid=paste]', ANSWERS.join('\n'));
    await page.click('[data-testid=score-pasted]');
    const status = await finished(page);
    assert.equal(status.state, 'done', status.text);
    const answers = await rankedAnswers(page);
    assert.equal(answers.length, ANSWERS.length);
    assertNativeOrder(PROMPT, answers, 1e-4);  // the same CPU arithmetic as native, q8 on both sides
    await page.screenshot({ path: screenshotPath('web-demo-wasm.png'), fullPage: true });
    assertClean(session, { chat: false });

    // A bundle URL on another origin: the page reloads to allow it, shows
    // the download's progress, and a later visit reads it from Cache Storage.
    const bundleUrl = `${otherOrigin()}/files/copy.cappy`;
    await page.selectOption('[data-testid=model-source]', 'url');
    await page.fill('[data-testid=bundle-url]', bundleUrl);
    await Promise.all([page.waitForEvent('load'), page.click('[data-testid=load-model]')]);
    assert.deepEqual((await page.getAttribute('html', 'data-allowed-origins')).split(' ').sort(), [mock.url, otherOrigin()].sort());
    await page.waitForSelector('[data-testid=model-info]:has-text("copy.cappy: XLMRoberta")', { timeout: 60000 });
    assert.equal(await page.$eval('[data-testid=model-progress]', (p) => p.value), 1);
    assert.equal(mock.fileHits.get('copy.cappy'), 1);
    assert.equal(await page.inputValue('[data-testid=paste]'), ANSWERS.join('\n'), 'the draft survived the reload');
    await page.reload();
    await page.waitForSelector('[data-testid=model-info]:has-text("copy.cappy: XLMRoberta")', { timeout: 60000 });
    assert.equal(mock.fileHits.get('copy.cappy'), 1, 'the second visit downloaded the bundle again');
    await page.fill('[data-testid=prompt]', PROMPT);
    await page.fill('[data-testid=paste]', ANSWERS.join('\n'));
    await page.click('[data-testid=score-pasted]');
    assert.equal((await finished(page)).state, 'done');
    assertNativeOrder(PROMPT, await rankedAnswers(page), 1e-4);

    // A bundle URL that fails: the status says which file and why.
    await page.fill('[data-testid=bundle-url]', `${otherOrigin()}/files/missing.cappy`);
    await page.click('[data-testid=load-model]');
    await page.waitForSelector('[data-testid=status][data-state=error]');
    assert.match(await page.textContent('[data-testid=status]'), /could not load .*missing\.cappy: .*HTTP 404/);
    assert.equal(await page.textContent('[data-testid=model-info]'), 'missing.cappy: not loaded');
    assert.equal(await page.getAttribute('[data-testid=device-info]', 'data-device'), null);
    assert.deepEqual(session.foreign, []);
    assert.deepEqual(session.problems, []);
  } finally {
    await browser.close();
  }
});

test('the exported site on a plain static server (no COOP/COEP): loads and ranks pasted answers', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cappy-demo-site-'));
  const plain = await startDemoServer({ port: 0, mounts: { '/': exportSite(dir) }, isolation: false });
  const browser = await launch({ webgpu: false });
  try {
    const guard = await guardedContext(browser, [plain.url]);
    const page = await guard.context.newPage();
    const problems = watchProblems(page);
    await page.goto(`${plain.url}/`);
    assert.equal(await modelReady(page), 'wasm');
    assert.match(await page.textContent('[data-testid=device-info]'), /not cross-origin isolated/);
    await page.fill('[data-testid=prompt]', PROMPT);
    await page.fill('[data-testid=paste]', ANSWERS.join('\n'));
    await page.click('[data-testid=score-pasted]');
    assert.equal((await finished(page)).state, 'done');
    assertNativeOrder(PROMPT, await rankedAnswers(page), 1e-4);
    assert.deepEqual(guard.foreign, []);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await plain.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
