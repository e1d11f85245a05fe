import { test, expect } from './fixtures';
import { isHydrated } from './helpers';

// A page that is not ours posts a form to the dashboard (a drive-by attack
// that even knows the token). The Origin check refuses it and nothing runs.
test('a cross-site form post is refused and starts nothing', async ({ page, request, baseURL }) => {
  const token = (await (await request.get('/api/session/token')).json()).token;
  const before = (await (await request.get('/api/runs')).json()).matched;
  await page.setContent(`
    <form id="f" method="post" action="${baseURL}/workflows/code-review/run">
      <input name="attune_client" value="${token}"><input name="scope" value="">
    </form>`);
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/workflows/code-review/run')),
    page.evaluate(() => (document.getElementById('f') as HTMLFormElement).submit()),
  ]);
  expect(resp.status()).toBe(403);
  expect(await resp.json()).toMatchObject({ detail: { code: 'cross_site' } });
  const after = (await (await request.get('/api/runs')).json()).matched;
  expect(after).toBe(before);
});

test('an injected inline script does not run', async ({ page }, info) => {
  test.skip(!isHydrated(info), 'needs JavaScript');
  const refused: string[] = [];
  page.on('console', (m) => { if (/Content Security Policy/.test(m.text())) refused.push(m.text()); });
  await page.goto('/');
  await page.waitForFunction(() => (window as any).__attuneHydrated === true);
  // The page's own scripts ran (it hydrated) without a single refusal…
  expect(refused).toEqual([]);
  // …and a script smuggled into the DOM without the nonce is refused.
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__injected = true;';
    document.body.appendChild(s);
  });
  await expect.poll(() => refused.length).toBeGreaterThan(0);
  expect(await page.evaluate(() => (window as any).__injected)).toBeUndefined();
});

test('the dashboard cannot be framed', async ({ request }) => {
  const r = await request.get('/');
  expect(r.headers()['x-frame-options']).toBe('DENY');
  expect(r.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
});
