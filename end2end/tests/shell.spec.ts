import { test, expect } from './fixtures';
import { isHydrated, waitHydrated, watchConsole } from './helpers';

const PAGES: [string, string][] = [
  ['/', 'attune ops'],
  ['/workflows', 'Workflows'],
  ['/runs', 'Runs'],
  ['/cost', 'Cost'],
  ['/sessions', 'Claude Code sessions'],
  ['/specs', 'Specs'],
  ['/telemetry', 'Telemetry'],
  ['/bulletin', 'Bulletin'],
  ['/health', 'Health'],
];

for (const [path, heading] of PAGES) {
  test(`${path} renders inside the shell`, async ({ page }, info) => {
    const errors = watchConsole(page);
    const res = await page.goto(path);
    expect(res?.status()).toBe(200);
    if (isHydrated(info)) await waitHydrated(page);
    await expect(page.locator('h1').first()).toContainText(heading);
    // Top bar: every page is reachable, the current one marked.
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const label of ['Home', 'Workflows', 'Runs', 'Cost', 'Sessions', 'Specs', 'Telemetry', 'Health']) {
      await expect(nav.getByRole('link', { name: label, exact: true })).toBeVisible();
    }
    await expect(nav.locator('a.is-active')).toHaveAttribute('href', path);
    // Project chip: the name, with the full path in the tooltip.
    const chip = page.locator('.project-chip');
    await expect(chip).toHaveText('demo-shop');
    await expect(chip).toHaveAttribute('title', /target\/e2e-project$/);
    await expect(page.locator('footer')).toContainText('e2e-home');
    await expect(page.locator('meta[name="attune-client-token"]')).toHaveAttribute('content', /^[A-Za-z0-9_-]{43}$/);
    expect(errors).toEqual([]);
  });
}

test('unknown pages get the styled 404', async ({ page }) => {
  const res = await page.goto('/definitely/not/here');
  expect(res?.status()).toBe(404);
  await expect(page.locator('h1')).toHaveText('404');
  await expect(page.getByText('No page at')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Back to home' })).toBeVisible();
});

test('the site comes from the binary: content-hashed names, immutable, precompressed', async ({ request }) => {
  const html = await (await request.get('/')).text();
  const urls = [...new Set([...html.matchAll(/\/pkg\/attune-ops\.[0-9a-f]{16}\.(?:js|wasm|css)/g)].map((m) => m[0]))];
  expect(urls.map((u) => u.split('.').pop()).sort()).toEqual(['css', 'js', 'wasm']);
  for (const u of urls) {
    for (const [accept, encoding] of [['br', 'br'], ['gzip', 'gzip']]) {
      const r = await request.get(u, { headers: { 'Accept-Encoding': accept } });
      expect(r.status(), u).toBe(200);
      expect(r.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(r.headers()['content-encoding'], `${u} ${accept}`).toBe(encoding);
    }
  }
  // The names are the only ones: the old unhashed paths are gone.
  expect((await request.get('/pkg/attune-ops.wasm')).status()).toBe(404);
});
