import { test, expect } from './fixtures';
import { isHydrated, waitHydrated, watchConsole } from './helpers';

// The demo world's corpus: six features under .help/templates/, cart
// complete (11 kinds), docs stale (its stored source hash is not its
// sources'), catalog fresh, the Python-only ones of unknown freshness.

test('help home: search box, intents, featured, recent, every feature', async ({ page }, info) => {
  const errors = watchConsole(page);
  await page.goto('/help');
  if (isHydrated(info)) await waitHydrated(page);
  await expect(page.locator('h1')).toHaveText('Help');
  await expect(page.getByRole('link', { name: /Admin tools/ })).toContainText('2 stale · 5 incomplete');
  const intents = page.locator('.help-intent');
  await expect(intents).toHaveCount(4);
  await expect(intents.filter({ hasText: 'Do something' })).toContainText('6 articles');
  await expect(intents.filter({ hasText: 'Understand' })).toContainText('6 articles');
  await expect(intents.filter({ hasText: 'Do something' })).toHaveAttribute('href', '/help/search?q=task%20OR%20quickstart');
  await expect(page.locator('.help-card')).toHaveCount(5);
  await expect(page.locator('.help-card').filter({ hasText: 'cart' })).toContainText('11 of 11 kinds');
  await expect(page.locator('.help-recent li')).toHaveCount(5);
  await expect(page.getByText('templates across 6 features')).toContainText('25 templates');
  await expect(page.getByText(/Freshness of 4 feature\(s\) is unknown/)).toBeVisible();
  expect(errors).toEqual([]);
});

test('help search finds the task and opens it', async ({ page }, info) => {
  const errors = watchConsole(page);
  await page.goto('/help');
  if (isHydrated(info)) await waitHydrated(page);
  await page.locator('#help-q').fill('run the tests');
  await page.locator('#help-q').press('Enter');
  await expect(page).toHaveURL(/\/help\/search\?q=run\+the\+tests/);
  await expect(page).toHaveTitle('Search: run the tests · attune ops');
  const hits = page.locator('.help-hit');
  await expect(hits.first()).toContainText('Run the tests');
  await expect(hits.first()).toContainText('score 11.00');
  await expect(page.getByText(/results? for/)).toBeVisible();
  await hits.first().getByRole('link').click();
  await expect(page).toHaveURL(/\/help\/test-audit\/task$/);
  await expect(page.locator('h1')).toHaveText('Run the tests');
  await expect(page.locator('.help-side-kinds a.is-active')).toHaveText('task');
  await expect(page.locator('.markdown pre code')).toContainText('pytest -q');
  await expect(page.locator('.run-meta')).toContainText('generated 2026-11-22 15:40:00 UTC');
  await expect(page.locator('.run-meta .chip', { hasText: 'freshness unknown' })).toHaveAttribute('title', /all Python/);
  expect(errors).toEqual([]);
});

test('help search with no hit, and with no query', async ({ page }) => {
  await page.goto('/help/search?q=zebra+quantum');
  await expect(page.locator('.empty')).toContainText('No results for zebra quantum');
  await page.goto('/help/search');
  await expect(page.getByText('Enter a query above to search the help corpus.')).toBeVisible();
});

test('help feature pages: complete, incomplete, stale, fresh', async ({ page }, info) => {
  await page.goto('/help/cart');
  if (isHydrated(info)) await waitHydrated(page);
  await expect(page.locator('.lede')).toContainText('11 of 11 template kinds');
  await expect(page.getByText('Missing kinds')).toHaveCount(0);
  await page.goto('/help/auth');
  await expect(page.locator('.lede')).toContainText('4 of 11 template kinds');
  await expect(page.getByRole('heading', { name: 'Missing kinds 7' })).toBeVisible();
  await expect(page.getByText('attune-author generate auth --all-kinds')).toBeVisible();
  await page.goto('/help/docs');
  await expect(page.locator('.lede')).toContainText('2 of 11 template kinds · 2 stale');
  await expect(page.locator('.lede .chip')).toHaveText('stale · regen recommended');
  await page.goto('/help/catalog/concept');
  await expect(page.locator('.run-meta .chip', { hasText: 'fresh' })).toBeVisible();
});

test('help admin: coverage and stale templates', async ({ page }) => {
  await page.goto('/help/admin');
  await expect(page).toHaveTitle('Admin tools · attune ops');
  await expect(page.locator('.tile', { hasText: 'Complete' }).locator('.tile-value')).toHaveText('17%');
  await expect(page.locator('.tile', { hasText: 'Templates' }).locator('.tile-value')).toHaveText('25');
  await expect(page.locator('.tile', { hasText: 'Fresh' }).locator('.tile-value')).toHaveText('92%');
  const incomplete = page.locator('section', { hasText: 'Incomplete sets 5' }).locator('tbody tr');
  await expect(incomplete).toHaveCount(5);
  const stale = page.locator('section', { hasText: 'Stale templates 2' }).locator('tbody tr');
  await expect(stale).toHaveCount(2);
  await expect(stale.first()).toContainText('docs');
});

test('help refuses bad slugs and says what is missing', async ({ page }) => {
  let res = await page.goto('/help/Not_A_Slug');
  expect(res?.status()).toBe(400);
  await expect(page.locator('.error-box, .error')).toContainText('invalid feature slug');
  res = await page.goto('/help/nope');
  expect(res?.status()).toBe(404);
  await expect(page.locator('body')).toContainText('feature not found: nope');
  res = await page.goto('/help/cart/nope');
  expect(res?.status()).toBe(404);
  await expect(page.locator('body')).toContainText('template not found: cart/nope');
});
