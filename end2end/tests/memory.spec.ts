import { test, expect } from './fixtures';
import { isHydrated, waitHydrated, watchConsole } from './helpers';

// The demo world's Redis (scripts/demo-redis.sh, examples/demo_redis.txt):
// 14 memory keys (12 in the five families, two markers), hydrated three
// hours ago, before the project's .claude/ corpus was copied; two open
// round-table threads beside a promoted one and a test canary.

test('memory: tiles, kind chips, the table and a node', async ({ page }, info) => {
  const errors = watchConsole(page);
  await page.goto('/memory');
  if (isHydrated(info)) await waitHydrated(page);
  await expect(page.locator('h1')).toHaveText('Memory');
  const tiles = page.locator('.tiles .tile');
  await expect(tiles.filter({ hasText: 'Curated nodes' })).toContainText('4');
  await expect(tiles.filter({ hasText: 'Lessons' })).toContainText('3');
  await expect(tiles.filter({ hasText: 'All keys' })).toContainText('14');
  // The attention header: the corpus changed after hydration, threads wait.
  await expect(page.getByRole('heading', { name: 'Corpus changed since hydration' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Deliberation threads pending promotion' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Hydration stale' })).toHaveCount(0);
  await expect(page.locator('.memory-table tbody tr')).toHaveCount(14);
  await tiles.filter({ hasText: 'Curated nodes' }).click();
  await expect(page).toHaveURL(/\/memory\?family=node$/);
  await expect(page.locator('.memory-table tbody tr')).toHaveCount(4);
  await page.locator('.chip-row a', { hasText: 'feedback (2)' }).click();
  await expect(page).toHaveURL(/family=node&kind=feedback/);
  await expect(page.locator('.memory-table tbody tr')).toHaveCount(2);
  await page.locator('.memory-table a', { hasText: 'feedback-no-mocks' }).click();
  await expect(page).toHaveURL(/\/memory\/node\?key=attune%3Amemory%3Anode%3Afeedback-no-mocks/);
  const fields = page.locator('.node-fields tbody tr');
  await expect(fields).toHaveCount(3);
  await expect(fields.first()).toContainText('description');
  await expect(fields.last()).toContainText('feedback');
  expect(errors).toEqual([]);
});

test('memory refuses keys outside its namespace', async ({ page }) => {
  const res = await page.goto('/memory/node?key=attune:roundtable:thread:q-pricing-rounding-001');
  expect(res?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Node not available' })).toBeVisible();
  await expect(page.getByText('Only keys under attune:memory: are shown here.')).toBeVisible();
});

test('home shows the memory tile', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('.tile', { hasText: 'Memory nodes' })).toContainText('14');
});

test('collab: threads, stale packets, the outbox, a thread', async ({ page }, info) => {
  const errors = watchConsole(page);
  await page.goto('/collab');
  if (isHydrated(info)) await waitHydrated(page);
  await expect(page.locator('h1')).toHaveText('Collaboration');
  const threads = page.locator('section', { hasText: 'Threads pending promotion (2)' }).locator('tbody tr');
  await expect(threads).toHaveCount(2);
  // Soonest to expire first.
  await expect(threads.first()).toContainText('q-session-length-002');
  await expect(threads.nth(1)).toContainText('/roundtable promote q-pricing-rounding-001');
  await expect(page.locator('section', { hasText: 'Stale handoff packets (1)' })).toContainText('branch missing');
  await expect(page.locator('section', { hasText: 'Docs outbox' })).toContainText('2 doc(s) pending, oldest 3');
  await expect(page.locator('section', { hasText: 'Docs outbox' })).toContainText('sweep overdue');
  await threads.nth(1).getByRole('link').click();
  await expect(page).toHaveURL(/\/collab\/thread\?id=q-pricing-rounding-001/);
  await expect(page.locator('h1')).toHaveText('Thread: q-pricing-rounding-001');
  const msgs = page.locator('.thread-message');
  await expect(msgs).toHaveCount(3);
  await expect(msgs.first().locator('header')).toHaveText('#1 · question · claude · round 1');
  await expect(msgs.nth(1)).toContainText('per-line rounding drifts');
  expect(errors).toEqual([]);
});

test('collab thread ids cannot name other keys', async ({ page }) => {
  let res = await page.goto('/collab/thread?id=q-pricing-rounding-001:meta');
  expect(res?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Thread unavailable' })).toBeVisible();
  res = await page.goto('/collab/thread?id=nothing-here');
  expect(res?.status()).toBe(200);
  await expect(page.getByRole('heading', { name: 'Empty thread' })).toBeVisible();
});
