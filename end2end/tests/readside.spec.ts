import { test, expect } from './fixtures';
import { isHydrated, waitHydrated, watchConsole } from './helpers';

test('home summarises runs, spend, activity and sessions', async ({ page }, info) => {
  const errors = watchConsole(page);
  await page.goto('/');
  if (isHydrated(info)) await waitHydrated(page);
  const tiles = page.locator('.tiles .tile');
  await expect(tiles.filter({ hasText: '7-day spend' })).toContainText(/\$\d+\.\d\d/);
  await expect(tiles.filter({ hasText: '7-day spend' }).locator('svg.sparkline polyline')).toHaveAttribute('points', /\d/);
  await expect(tiles.filter({ hasText: 'Workflows' })).toContainText('7');
  await expect(page.locator('section', { hasText: 'Daily activity (7 days)' }).locator('tbody tr')).toHaveCount(7);
  await expect(page.locator('section', { hasText: 'Recent runs' }).locator('tbody tr').first()).toBeVisible();
  await expect(page.locator('.session-list li').first()).toBeVisible();
  expect(errors).toEqual([]);
});

test('telemetry: tiles, chart, by-workflow table, window links', async ({ page }, info) => {
  await page.goto('/telemetry');
  if (isHydrated(info)) await waitHydrated(page);
  await expect(page.getByText('were not valid JSON objects and were skipped')).toBeVisible();
  await expect(page.locator('.tile', { hasText: 'Events' }).locator('.tile-value')).toHaveText(/^\d[\d,]*$/);
  await expect(page.locator('svg.chart rect')).toHaveCount(15);
  const rows = page.locator('section', { hasText: 'By workflow (top 20)' }).locator('tbody tr');
  await expect(rows).toHaveCount(6);
  await page.getByRole('link', { name: '30 d' }).click();
  await expect(page).toHaveURL(/days=30/);
  await expect(page.locator('h2', { hasText: 'Last 30 days and today' })).toBeVisible();
});

test('sessions: list, search in the URL, a redacted session', async ({ page }, info) => {
  const rows = page.locator('table.sessions tbody tr');
  if (isHydrated(info)) {
    // Picking a window reloads with it (no Apply button with JavaScript).
    await page.goto('/sessions?days=1');
    await waitHydrated(page);
    await Promise.all([
      page.waitForURL(/days=30/, { waitUntil: 'load' }),
      page.getByLabel('Window').selectOption({ label: '30 days' }),
    ]);
    await waitHydrated(page);
  } else {
    await page.goto('/sessions?days=30');
  }
  await expect(rows).toHaveCount(14);
  if (isHydrated(info)) {
    await page.getByPlaceholder('prompt, branch, model or id').fill('API_KEY');
    await expect(rows).toHaveCount(2);
    await expect(page).toHaveURL(/q=API_KEY/);
  } else {
    await page.goto('/sessions?days=30&q=API_KEY');
    await expect(rows).toHaveCount(2);
  }
  await expect(rows.first()).toContainText('API_KEY=<redacted>');
  await rows.first().locator('a').first().click();
  await expect(page).toHaveURL(/\/sessions\/[0-9a-f-]+$/);
  await expect(page.locator('.turn').first()).toContainText('API_KEY=<redacted>');
  expect(await page.content()).not.toContain('sk-ant-api03');
  await expect(page.getByText(/replacement\(s\) in this session/)).toBeVisible();
});

test('bulletin: archive days and their runs', async ({ page }) => {
  await page.goto('/bulletin');
  const days = page.locator('.day-links a');
  await expect(days.first()).toHaveText('today');
  const firstArchived = days.nth(1);
  const day = await firstArchived.textContent();
  await firstArchived.click();
  await expect(page).toHaveURL(new RegExp(`day=${day}`));
  await expect(page.locator('h2', { hasText: `Runs of ${day}` })).toBeVisible();
  await expect(page.locator('tbody tr').first()).toBeVisible();
});

test('health lists what the dashboard can see', async ({ page }) => {
  await page.goto('/health');
  const rows = page.locator('table.health tr');
  await expect(rows.filter({ hasText: 'telemetry' })).toHaveClass(/health-ok/);
  await expect(rows.filter({ hasText: 'Claude Code sessions' })).toHaveClass(/health-ok/);
  await expect(rows.filter({ hasText: 'Anthropic admin key' })).toContainText(/configured|not configured/);
});
