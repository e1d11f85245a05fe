import { test, expect } from './fixtures';
import { isHydrated, waitHydrated, watchConsole } from './helpers';

const PAGES: [string, string][] = [
  ['/', 'attune ops'],
  ['/curator', 'Briefing'],
  ['/workflows', 'Workflows'],
  ['/runs', 'Runs'],
  ['/cost', 'Cost'],
  ['/sessions', 'Claude Code sessions'],
  ['/specs', 'Specs'],
  ['/telemetry', 'Telemetry'],
  ['/bulletin', 'Bulletin'],
  ['/health', 'Health'],
  ['/memory', 'Memory'],
  ['/collab', 'Collaboration'],
  ['/help', 'Help'],
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
    for (const label of ['Home', 'Briefing', 'Workflows', 'Runs', 'Cost', 'Sessions', 'Specs', 'Memory', 'Collab', 'Telemetry', 'Health', 'Help']) {
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
  // One folder named after the whole site's content, cargo-leptos's names inside.
  const urls = [...new Set([...html.matchAll(/\/pkg\/[0-9a-f]{16}\/attune-ops\.[A-Za-z0-9_-]{22}\.(?:js|wasm|css)/g)].map((m) => m[0]))];
  expect(urls.map((u) => u.split('.').pop()).sort()).toEqual(['css', 'js', 'wasm']);
  // The page preloads its own lazy chunks and the loader that fetches them.
  const preloads = [...html.matchAll(/<link [^>]*>/g)]
    .map((m) => m[0])
    .filter((l) => / rel="(?:preload|modulepreload)"/.test(l))
    .map((l) => / href="(\/pkg\/[^"]+)"/.exec(l)?.[1])
    .filter((u): u is string => !!u);
  const chunks = preloads.filter((u) => u.endsWith('.wasm'));
  expect(chunks.some((u) => /\/pkg\/[0-9a-f]{16}\/split___home_view_\d+\.[A-Za-z0-9_-]{22}\.wasm$/.test(u))).toBe(true);
  expect(chunks.some((u) => u.includes('_workflows_view_'))).toBe(false);
  expect(preloads.some((u) => /\/pkg\/[0-9a-f]{16}\/__wasm_split\.[A-Za-z0-9_-]{22}\.js$/.test(u))).toBe(true);
  for (const u of [...urls, ...preloads]) {
    for (const [accept, encoding] of [['br', 'br'], ['gzip', 'gzip']]) {
      const r = await request.get(u, { headers: { 'Accept-Encoding': accept } });
      expect(r.status(), u).toBe(200);
      expect(r.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
      // Files under 1 KiB are sent as they are.
      if ((await r.body()).length > 1024) expect(r.headers()['content-encoding'], `${u} ${accept}`).toBe(encoding);
    }
  }
  // Everything from one folder, and only there: no name outside it answers.
  const folders = new Set([...urls, ...preloads].map((u) => u.split('/')[2]));
  expect(folders.size).toBe(1);
  for (const u of urls) expect((await request.get(u.replace(/\/pkg\/[0-9a-f]{16}\//, '/pkg/'))).status(), u).toBe(404);
  expect((await request.get('/pkg/attune-ops.wasm')).status()).toBe(404);
});

test('a first visit downloads the shared core and its own page, and the next page when it is opened', async ({ page }, info) => {
  test.skip(!isHydrated(info), 'about the wasm');
  const wasm: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('.wasm')) wasm.push(new URL(r.url()).pathname);
  });
  const errors = watchConsole(page);
  await page.goto('/health');
  await waitHydrated(page);
  expect(wasm.some((u) => u.includes('_health_view_'))).toBe(true);
  expect(wasm.some((u) => /_(?:workflows|runs|home|telemetry)_view_/.test(u))).toBe(false);
  // Client-side navigation fetches the next page's chunk, then shows it.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Telemetry', exact: true }).click();
  await expect(page.locator('h1').first()).toContainText('Telemetry');
  await expect(page).toHaveURL(/\/telemetry$/);
  expect(wasm.some((u) => u.includes('_telemetry_view_'))).toBe(true);
  expect(errors).toEqual([]);
});
