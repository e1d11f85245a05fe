import { test, expect } from './fixtures';
import { waitHydrated, watchConsole } from './helpers';

// The counters are the server's, shared by the whole suite: other tests
// change pickers too, so this one reads them before and after its own.
async function count(page: import('@playwright/test').Page, workflow: string): Promise<number> {
  const res = await page.request.get('/api/telemetry/interactions');
  const v = await res.json();
  return v.scope_picker_changes?.[workflow] ?? 0;
}

test('a scope picker change is counted and shown on the Telemetry page', async ({ page }) => {
  const errors = watchConsole(page);
  const before = await count(page, 'code-review');
  await page.goto('/workflows');
  await waitHydrated(page);
  const card = page.locator('article[data-workflow="code-review"]');
  await card.locator('select[name="scope"]').selectOption('docs');
  await expect.poll(() => count(page, 'code-review')).toBe(before + 1);
  await page.goto('/telemetry');
  await waitHydrated(page);
  const panel = page.locator('section.interactions');
  await expect(panel.getByRole('heading', { name: 'Dashboard interactions (this session)' })).toBeVisible();
  await expect(panel.locator('table', { has: page.getByText('code-review') }).first()).toBeVisible();
  expect(errors).toEqual([]);
});
