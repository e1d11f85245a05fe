import { test, expect } from './fixtures';
import { isHydrated, waitHydrated } from './helpers';

test('history from disk, filters in the URL, duration statistics', async ({ page }, info) => {
  await page.goto('/runs');
  if (isHydrated(info)) await waitHydrated(page);
  await expect(page.locator('h2').filter({ hasText: 'run(s)' })).toContainText(/\d+ run\(s\)/);
  await expect(page.locator('table.stats')).toContainText('release-prep');
  await page.locator('select[name="workflow"]').selectOption('security-audit');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/workflow=security-audit/);
  const rows = page.locator('table.runs-table tbody tr');
  await expect(rows.first()).toBeVisible();
  for (const wf of await rows.locator('td:first-child').allTextContents()) expect(wf).toBe('security-audit');
  await expect(page.locator('table.stats tbody tr')).toHaveCount(1);
  await expect(page.locator('table.stats')).toContainText(/\d+m \d+s|\d+s/);
});

test('a run from the reference dashboard opens with its log', async ({ page }) => {
  await page.goto('/runs?workflow=dependency-check');
  await page.locator('table.runs-table tbody tr a.mono').first().click();
  await expect(page).toHaveURL(/\/runs\/[0-9a-f]{12}\/view/);
  await expect(page.locator('h1')).toContainText('dependency-check');
  await expect(page.locator('[data-log]')).toContainText('dependency-check on the whole project');
});
