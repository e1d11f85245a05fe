import { test, expect } from '@playwright/test';

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

test('the dashboard cannot be framed', async ({ request }) => {
  const r = await request.get('/');
  expect(r.headers()['x-frame-options']).toBe('DENY');
  expect(r.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
});
