import { test, expect } from './fixtures';
import { waitHydrated, watchConsole } from './helpers';

test('run live, chain from a recommendation, search and permalink', async ({ page }) => {
  const errors = watchConsole(page);
  await page.goto('/workflows');
  await waitHydrated(page);
  const card = page.locator('article[data-workflow="code-review"]');
  await card.locator('select[name="scope"]').selectOption('src/shop/cart');
  await card.getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page).toHaveURL(/\/runs\/[0-9a-f]{12}\/view$/);
  await waitHydrated(page);
  const log = page.locator('.log-scroll');
  await expect(log).toContainText('Reviewing src/shop/cart');
  await expect(page.locator('.run-meta .chip-completed')).toBeVisible();
  await expect(log).toContainText("What I'd Do Next");
  // ANSI colours are rendered, not printed.
  await expect(log.locator('.ansi-fg4').first()).toBeVisible();
  expect(await log.textContent()).not.toContain('\u001b[');
  // Report panel from the run-meta side channel.
  await expect(page.locator('section.report h2')).toHaveText('Code review of src/shop/cart');
  // Search over the whole log.
  await page.getByPlaceholder('Search the whole log').fill('medium');
  await page.getByRole('button', { name: 'Find' }).click();
  await expect(page.locator('.search-status')).toContainText(/1 \/ \d+/);
  await expect(log.locator('mark').first()).toBeVisible();
  // The last choice of scope is remembered.
  // Chain: the recommendation card starts the next workflow with trigger attune-rec.
  const source = page.url();
  await page.locator('.rec-card').filter({ hasText: 'test-audit' }).getByRole('button', { name: 'Run' }).click();
  await expect(page).not.toHaveURL(source);
  await expect(page).toHaveURL(/\?from=code-review/);
  await expect(page.locator('h1')).toContainText('test-audit');
  await expect(page.locator('.badge-from')).toHaveText('↩ from code-review');
  await expect(page.locator('.run-meta')).toContainText('trigger attune-rec');
  await expect(page.locator('.run-meta .chip-completed')).toBeVisible({ timeout: 30_000 });
  // stderr lines (unittest reports there) are marked.
  await expect(page.locator('.ll-err').first()).toBeVisible();
  // Permalink to a line.
  const url = page.url().split('?')[0];
  await page.goto(`${url}#L3`);
  await waitHydrated(page);
  await expect(page.locator('#L3')).toHaveClass(/ll-hl/);
  await page.goto('/workflows');
  await waitHydrated(page);
  await expect(page.locator('article[data-workflow="code-review"] select[name="scope"]')).toHaveValue('src/shop/cart');
  expect(errors).toEqual([]);
});

test('cancel a long run from its page', async ({ page }) => {
  await page.goto('/workflows');
  await waitHydrated(page);
  await page.locator('article[data-workflow="release-prep"]').getByRole('button', { name: 'Run', exact: true }).click();
  await expect(page).toHaveURL(/\/runs\/[0-9a-f]{12}\/view$/);
  await waitHydrated(page);
  await expect(page.locator('.ticker')).toContainText('running', { timeout: 20_000 });
  await expect(page.locator('.log-scroll')).toContainText('[triage]');
  await expect(page.locator('.running-badge')).toBeVisible({ timeout: 10_000 });
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.locator('.run-meta .chip-cancelled')).toBeVisible({ timeout: 15_000 });
  await expect(page.locator('.log-scroll')).toContainText('SIGTERM');
  await expect(page.getByRole('button', { name: 'Re-run' })).toBeVisible();
});
