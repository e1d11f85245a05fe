import { test, expect } from './fixtures';
import { isHydrated, waitHydrated, watchConsole } from './helpers';

// The demo's imitation of the Admin API (examples/fake_admin_api.py) serves
// 30 days of spend over several pages; the key it accepts is a demo value.
const DEMO_KEY = 'sk-ant-admin01-demo-key-not-a-real-one';

const money = (v: number) => (v !== 0 && Math.abs(v) < 0.01 ? `$${v.toFixed(4)}` : `$${v.toFixed(2)}`);

test('cost: tiles match the API, 30 daily bars, breakdowns, spend watch', async ({ page, request }, info) => {
  const errors = watchConsole(page);
  const api = await (await request.get('/api/cost')).json();
  expect(api.error).toBeNull();
  await page.goto('/cost');
  if (isHydrated(info)) await waitHydrated(page);
  const tile = (label: string) => page.locator('.tile').filter({ has: page.locator('.tile-label', { hasText: new RegExp(`^${label}$`) }) });
  await expect(tile('Today').locator('.tile-value')).toHaveText(money(api.summary.today_usd));
  await expect(tile('7 days').locator('.tile-value')).toHaveText(money(api.summary.seven_day_usd));
  await expect(tile('Month to date').locator('.tile-value')).toHaveText(money(api.summary.month_to_date_usd));
  await expect(tile('30 days').locator('.tile-value')).toHaveText(money(api.summary.thirty_day_usd));
  await expect(page.locator('svg.cost-chart rect')).toHaveCount(30);
  await expect(page.locator('table.by-model tbody tr')).toHaveCount(api.summary.by_model.length);
  await expect(page.locator('table.by-model tbody tr').first()).toContainText('claude-opus-4-1');
  await expect(page.locator('table.by-type tbody tr').first()).toContainText('tokens');
  await expect(tile('Burn rate').locator('.tile-value')).toHaveText(/^\$\d+\.\d\d\/day$/);
  await expect(tile('Month-end projection').locator('.tile-value')).toHaveText(/^\$\d/);
  await expect(page.locator('.spend-watch')).toContainText('Anthropic account billing');
  await expect(page.locator('.budget [role=meter]')).toBeVisible();
  expect(await page.content()).not.toContain(DEMO_KEY);
  expect(errors).toEqual([]);
});

test('cost: refresh fetches live data (a link without JavaScript, in place with progress)', async ({ page }, info) => {
  await page.goto('/cost');
  if (isHydrated(info)) {
    await waitHydrated(page);
    await page.getByRole('link', { name: '↻ Refresh' }).click();
    await expect(page.locator('.refresh-status')).toContainText('fetching');
    await expect(page.locator('.refresh-status')).toHaveText('');
    await expect(page).toHaveURL(/\/cost$/);
  } else {
    await page.getByRole('link', { name: '↻ Refresh' }).click();
    await expect(page).toHaveURL(/refresh=1/);
  }
  await expect(page.locator('.lede .chip')).toHaveText('live');
});

test('cost: the monthly budget is saved, gauged and validated', async ({ page, request }, info) => {
  await page.goto('/cost');
  if (isHydrated(info)) await waitHydrated(page);
  const api = await (await request.get('/api/cost')).json();
  const mtd = api.summary.month_to_date_usd as number;
  // The imitation always reports some spend today, so month to date is
  // positive even in the first minutes of a month.
  expect(mtd).toBeGreaterThan(0);
  // A budget that month to date fills to 90 %, whatever the day: the warning
  // band is 80–100 %. (Rounding it up to whole dollars broke early in a
  // month, when month to date is a dollar or two.)
  const budget = Number((mtd / 0.9).toFixed(4));
  const input = page.locator('input[name=monthly_usd]');
  await input.fill(String(budget));
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('.budget-figure')).toContainText(money(budget));
  await expect(page.locator('.budget-warning')).toContainText('of the monthly budget is spent');
  await expect(page.locator('.budget [role=meter]')).toHaveClass(/gauge-warn/);
  // Nonsense is refused with a reason, and nothing changes.
  await page.locator('input[name=monthly_usd]').fill('lots');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('.budget .run-status')).toContainText('is not a number of dollars');
  await expect(page.locator('.budget-figure')).toContainText(money(budget));
  // Put the demo's value back.
  await page.locator('input[name=monthly_usd]').fill('300');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('.budget-figure')).toContainText('$300.00');
});

test('home: account tiles and the spend watch', async ({ page }, info) => {
  await page.goto('/');
  if (isHydrated(info)) await waitHydrated(page);
  const cluster = page.locator('.kpi-cluster-account');
  await expect(cluster.locator('.tile')).toHaveCount(3);
  await expect(cluster.locator('.tile').first()).toContainText('Today (account)');
  await expect(cluster.locator('.tile').first()).toContainText(/Anthropic billing · (live|cached)/);
  await expect(page.locator('.spend-watch .chip')).toHaveText(/normal|anomaly|building baseline/);
  await cluster.locator('.tile').first().click();
  await expect(page).toHaveURL(/\/cost$/);
});
