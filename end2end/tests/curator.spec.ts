import { test, expect } from './fixtures';
import { isHydrated, waitHydrated, watchConsole } from './helpers';

// The demo world points the dashboard at an offline imitation of the
// Messages API (examples/fake_apis.py): it answers with one emit_curation
// call composed by fixed rules from the sources the dashboard sent, and
// says so in its summary. The items are the demo's own: failed runs in the
// bulletin's archive, specs ready to close, drifting specs.

test('briefing: summary, cards, citations and the sources', async ({ page }, info) => {
  const errors = watchConsole(page);
  await page.goto('/curator');
  if (isHydrated(info)) await waitHydrated(page);
  await expect(page.locator('h1')).toHaveText('Briefing');
  await expect(page.locator('.nav-link.is-active')).toHaveText('Briefing');
  await expect(page.locator('.lede code')).toHaveText('claude-fable-5-1');
  await expect(page.locator('.curator-summary')).toContainText('Demo imitation of the Messages API, not a model');
  const cards = page.locator('.curator-card');
  expect(await cards.count()).toBeGreaterThanOrEqual(3);
  // Each card cites source items that exist: its chips link to them.
  const chip = cards.first().locator('a.curator-src-chip').first();
  const cited = (await chip.innerText()).trim();
  await chip.click();
  await expect(page.locator(`li[id="src-${cited}"]`)).toBeVisible();
  // Every source is listed, with what it gave.
  for (const s of ['bulletin', 'specs', 'spec_drift', 'sweep', 'telemetry', 'runs', 'git-state']) {
    await expect(page.locator('.curator-source-name', { hasText: s }).first()).toBeVisible();
  }
  await expect(page.locator('.curator-foot')).toContainText('Sources: bulletin, specs, spec_drift, sweep, telemetry, runs, git-state');
  // A drifting spec's card opens the spec.
  const drift = cards.filter({ has: page.locator('a.btn-primary', { hasText: 'Open the spec' }) }).first();
  await drift.locator('a.btn-primary').click();
  await expect(page).toHaveURL(/\/specs\/[a-z0-9-]+$/);
  expect(errors).toEqual([]);
});

test('briefing: snooze a card and answer a question', async ({ page }, info) => {
  const errors = watchConsole(page);
  await page.goto('/curator');
  if (isHydrated(info)) await waitHydrated(page);
  const first = page.locator('.curator-card').first();
  const id = await first.getAttribute('data-item');
  expect(id).toBeTruthy();
  await first.getByRole('button', { name: 'Snooze 14d' }).click();
  await expect(page.locator(`.curator-card[data-item="${id}"]`)).toHaveCount(0);
  await expect(page.getByText(/snoozed item\(s\) hidden/)).toBeVisible();
  if (!isHydrated(info)) await expect(page.locator('.flash-ok')).toContainText(`Snoozed for 14 days: ${id}`);

  const ask = page.locator('.curator-card', { has: page.locator('.curator-ask') }).first();
  await expect(ask).toBeVisible();
  await ask.getByRole('button', { name: 'Not yet' }).click();
  if (isHydrated(info)) await expect(ask.locator('.run-status')).toHaveText('Answered: Not yet');
  else await expect(page.locator('.flash-ok')).toContainText('Answered Not yet');
  // Answering does not hide the card; a reload still shows it.
  await page.reload();
  await expect(page.locator('.curator-card', { has: page.locator('.curator-ask') }).first()).toBeVisible();
  expect(errors).toEqual([]);
});
