import { test, expect } from './fixtures';
import { isHydrated, reloadUntil, waitHydrated } from './helpers';

test('the registry, stage maps, tags and scope picker', async ({ page }, info) => {
  await page.goto('/workflows');
  if (isHydrated(info)) await waitHydrated(page);
  await expect(page.getByText('7 registered, from .attune/workflows.toml')).toBeVisible();
  const review = page.locator('article[data-workflow="code-review"]');
  await expect(review.locator('.stages')).toContainText('Review Standard');
  await expect(review.locator('.stages')).toContainText('Summary Light');
  await expect(review.locator('.tag')).toHaveText(['review', 'quality']);
  const options = await review.locator('select[name="scope"] option').allTextContents();
  expect(options[0]).toBe('All code');
  expect(options).toContain('auth — src/shop/auth');
  expect(options[options.length - 1]).toBe('Custom path…');
  // The default scope is the feature named like the workflow.
  await expect(page.locator('article[data-workflow="test-audit"] select[name="scope"]')).toHaveValue('tests');
  // A workflow without a scope says so.
  await expect(page.locator('article[data-workflow="release-prep"]')).toContainText('scope: n/a');
  await expect(review.locator('details.command code')).toContainText('python3 .attune/bin/code_review.py');
});

test('a plain form post starts a run and lands on its page', async ({ page }, info) => {
  test.skip(isHydrated(info), 'the no-JavaScript path');
  await page.goto('/workflows');
  const card = page.locator('article[data-workflow="doc-audit"]');
  await card.locator('select[name="scope"]').selectOption('docs');
  await card.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page).toHaveURL(/\/runs\/[0-9a-f]{12}\/view$/);
  await expect(page.locator('h1')).toContainText('doc-audit');
  await reloadUntil(page, async () => (await page.locator('.run-meta .chip-completed').count()) > 0);
  await expect(page.locator('.run-meta')).toContainText('scope docs');
  await expect(page.locator('pre.log-static')).toContainText('Auditing docs under docs');
  await expect(page.locator('pre.log-static')).toContainText('broken link to deploy.md');
});

test('bad custom scopes come back as a clear error', async ({ page }, info) => {
  await page.goto('/workflows');
  if (isHydrated(info)) await waitHydrated(page);
  const card = page.locator('article[data-workflow="code-review"]');
  await card.locator('select[name="scope"]').selectOption('__custom__');
  await card.locator('input[name="custom_path"]').fill('../../etc');
  await card.getByRole('button', { name: 'Run', exact: true }).click();
  const msg = isHydrated(info) ? card.locator('.run-status') : page.locator('.error-box').first();
  await expect(msg).toContainText('is outside allowed directory');
});

// The demo home carries the discovery sweep's result for the whole project
// (examples/gen_demo_home.py runs the demo's sweep once): 4 findings in the
// queue, 2 questions, none rejected.
test('discovery sweep: the chips and the result page', async ({ page }, info) => {
  await page.goto('/workflows');
  if (isHydrated(info)) await waitHydrated(page);
  const card = page.locator('article[data-workflow="discovery-sweep"]');
  const chips = card.locator('[data-sweep-chips]');
  await expect(chips).toHaveAttribute('data-has-result', '1');
  await expect(chips).toContainText('latest result for this scope');
  await chips.getByRole('link', { name: 'queue: 4' }).click();
  await expect(page).toHaveURL(/\/workflows\/discovery-sweep\/results\/[0-9a-f]{16}\?bucket=queue$/);
  await expect(page.locator('h1')).toContainText('discovery-sweep');
  await expect(page.locator('.finding-row')).toHaveCount(4);
  await expect(page.locator('.finding-row').first()).toContainText('Hard-coded credential');
  await expect(page.locator('.finding-row').first()).toContainText('src/shop/auth/login.py:8');
  await expect(page.locator('.run-meta')).toContainText('1 source failure(s)');
  await page.getByRole('link', { name: 'All', exact: true }).click();
  await expect(page.locator('section.sweep-bucket')).toHaveCount(3);
  await expect(page.locator('#bucket-questions .finding-extra').first()).toContainText('LOW_CONFIDENCE');
  await expect(page.locator('#bucket-rejected')).toContainText('No findings in this bucket.');
  const res = await page.goto('/workflows/discovery-sweep/results/0123456789abcdef');
  expect(res?.status()).toBe(404);
  await expect(page.getByText('run discovery-sweep on that scope first')).toBeVisible();
});

test('discovery sweep: the chips follow the scope, and a run records its result', async ({ page }, info) => {
  test.skip(!isHydrated(info), 'the picker updates the chips in the browser');
  await page.goto('/workflows');
  await waitHydrated(page);
  const card = page.locator('article[data-workflow="discovery-sweep"]');
  const chips = card.locator('[data-sweep-chips]');
  await card.locator('select[name="scope"]').selectOption('src/shop/payments');
  await expect(chips).toHaveAttribute('data-has-result', '0');
  await expect(chips).toContainText('no sweep recorded for this scope yet');
  await card.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page).toHaveURL(/\/runs\/[0-9a-f]{12}\/view$/);
  await expect(page.locator('.run-meta .chip-completed')).toBeVisible({ timeout: 30_000 });
  await page.goto('/workflows');
  await waitHydrated(page);
  // The picker comes back on the scope used last, with its new result.
  await expect(card.locator('select[name="scope"]')).toHaveValue('src/shop/payments');
  await expect(chips).toHaveAttribute('data-has-result', '1');
  await expect(chips).toContainText('latest result for this scope');
});
