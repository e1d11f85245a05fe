import { test, expect } from './fixtures';
import { isHydrated, reloadUntil, waitHydrated, watchConsole } from './helpers';

// The demo registry's `diagnose` (examples/demo/.attune/bin/diagnose.py)
// reads the failed run's record and appends a diagnosis record to the
// attune home's stream. Each project diagnoses its own failed run.
test('why did this fail: a diagnosis run, then its findings on the failed run', async ({ page }, info) => {
  const errors = watchConsole(page);
  const hydrated = isHydrated(info);
  await page.goto('/runs?workflow=release-prep&status=failed');
  const links = page.locator('table.runs-table tbody tr a.mono');
  await expect(links.nth(1)).toBeVisible();
  await links.nth(hydrated ? 1 : 0).click();
  await expect(page).toHaveURL(/\/runs\/[0-9a-f]{12}\/view$/);
  const failed = page.url();
  if (hydrated) await waitHydrated(page);
  await page.getByRole('button', { name: 'Why did this fail?' }).click();
  // The diagnosis is a run of its own, streamed like any other.
  await expect(page).toHaveURL(/\/runs\/[0-9a-f]{12}\/view/);
  expect(page.url()).not.toBe(failed);
  await expect(page.locator('h1')).toContainText('diagnose');
  await expect(page.locator('.badge-from')).toContainText('↩ from release-prep');
  if (hydrated) await expect(page.locator('.run-meta .chip-completed')).toBeVisible({ timeout: 30_000 });
  else await reloadUntil(page, async () => (await page.locator('.run-meta .chip-completed').count()) > 0);
  await expect(page.locator('[data-log]')).toContainText('persisted to the canonical diagnosis stream');
  // Back on the failed run: its diagnosis, and no second button.
  await page.goto(failed);
  if (hydrated) await waitHydrated(page);
  await expect(page.locator('#diagnoses')).toContainText('Why it failed');
  await expect(page.locator('.diagnosis .hypotheses li').first()).toBeVisible();
  await expect(page.getByText(/^diagnosed: [0-9a-f]{12}$/)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Why did this fail?' })).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('diagnose is not on the Workflows page and cannot be started from there', async ({ page, request }) => {
  await page.goto('/workflows');
  await expect(page.locator('article[data-workflow="code-review"]')).toBeVisible();
  await expect(page.locator('article[data-workflow="diagnose"]')).toHaveCount(0);
  const token = await page.locator('meta[name="attune-client-token"]').getAttribute('content');
  const r = await request.post('/workflows/diagnose/run', { headers: { 'X-Attune-Client': token!, 'content-type': 'application/json' }, data: {} });
  expect(r.status()).toBe(400);
  expect((await r.json()).detail).toContain("started from a failed run's page");
});
