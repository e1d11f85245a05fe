import { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { isHydrated, waitHydrated, watchConsole } from './helpers';

// The demo's specs (examples/demo/docs/specs, copied fresh for each server
// start) with edit times set by examples/gen_demo_home.py, and GitHub
// answered by examples/fake_apis.py: refund-endpoint, wishlist,
// newsletter-signup and order-history are "Ready to close?"; gift-cards
// is not (its PR #52 is still open).

async function open(page: Page, path: string, hydrated: boolean) {
  await page.goto(path);
  if (hydrated) await waitHydrated(page);
}

test('specs: listing, stage tooltip, gate badge, buckets and search in the URL', async ({ page }, info) => {
  const errors = watchConsole(page);
  const hydrated = isHydrated(info);
  await open(page, '/specs', hydrated);
  await expect(page.locator('.lede')).toContainText(/\d+ specs across 1 root/);
  const row = (slug: string) => page.locator(`tr[data-slug="${slug}"]`);
  // (Rows other tests leave alone: the server is shared by both projects.)
  await expect(row('session-hardening').locator('.gate-badge')).toHaveText('needs-work');
  await expect(row('session-hardening').locator('.stage-chip')).toHaveAttribute(
    'title',
    'decisions: — · requirements: approved (2026-10-02) · design: in-review · tasks: draft · Next: Approve design',
  );
  await expect(row('coupon-engine')).toHaveAttribute('data-bucket', 'parked');
  // Complete is off by default; its chip turns it on.
  await expect(row('legacy-checkout')).toHaveCount(0);
  await page.locator('a.bucket-chip[data-bucket="complete"]').click();
  await expect(page).toHaveURL(/bucket=[^&]*complete/);
  await expect(row('legacy-checkout')).toHaveCount(1);
  // Search: live when hydrated, through the form's Apply button without JavaScript.
  await page.getByPlaceholder('slug substring…').fill('hardening');
  if (!hydrated) await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/q=hardening/);
  await expect(page.locator('table.specs-table tbody tr')).toHaveCount(1);
  // The state survives a reload (it lives in the URL).
  await page.reload();
  await expect(page.locator('table.specs-table tbody tr')).toHaveCount(1);
  await expect(page.getByPlaceholder('slug substring…')).toHaveValue('hardening');
  expect(errors).toEqual([]);
});

test('specs: ready to close — confirm and dismiss', async ({ page, request }, info) => {
  const hydrated = isHydrated(info);
  // Each project acts on its own pair (the server is shared).
  const [confirmSlug, dismissSlug] = hydrated ? ['newsletter-signup', 'order-history'] : ['refund-endpoint', 'wishlist'];
  await open(page, '/specs', hydrated);
  const section = page.locator('#completion-candidates');
  await expect(section.locator('h2')).toContainText('Ready to close?');
  const card = (slug: string) => section.locator(`.candidate-card[data-slug="${slug}"]`);
  await expect(card(confirmSlug).locator('.evidence li')).toContainText([/task row|no tasks\.md/, /no open issues/, /last edit \d+ days? ago/]);
  await expect(section.locator('.candidate-card[data-slug="gift-cards"]')).toHaveCount(0);
  await card(dismissSlug).getByRole('button', { name: 'Dismiss' }).click();
  await expect(card(dismissSlug)).toHaveCount(0);
  await card(confirmSlug).getByRole('button', { name: 'Confirm complete' }).click();
  await expect(card(confirmSlug)).toHaveCount(0);
  // Confirm wrote the status line; the dismissal is in the shared store.
  const spec = await (await request.get(`/api/specs/${confirmSlug}`)).json();
  expect(spec.contents.decisions).toContain('**Status:** complete');
  const api = await (await request.get('/api/specs/completion-candidates')).json();
  expect(api.enabled).toBe(true);
  expect(api.candidates.map((c: any) => c.slug)).not.toContain(dismissSlug);
  expect(api.candidates.map((c: any) => c.slug)).not.toContain(confirmSlug);
});

test('specs: the stage editor flips the next phase, and back', async ({ page }, info) => {
  const hydrated = isHydrated(info);
  await open(page, '/specs?bucket=active,approved-not-shipped,complete,paused,parked,stale,draft', hydrated);
  const row = page.locator('tr[data-slug="catalog-search-v2"]');
  const flip = async (to: string) => {
    await row.locator('summary.stage-chip').click();
    await row.locator('select[name=status]').selectOption(to);
    await row.getByRole('button', { name: 'Set' }).click();
  };
  await flip('in-review');
  if (!hydrated) await expect(page.locator('.flash-ok')).toContainText('catalog-search-v2/requirements.md → in-review');
  await expect(row.locator('.stage-chip')).toHaveAttribute('title', /requirements: in-review/);
  await flip('draft');
  await expect(row.locator('.stage-chip')).toHaveAttribute('title', /requirements: draft/);
});

test('spec page: phases rendered, missing phases said', async ({ page }, info) => {
  await open(page, '/specs/shipping-rules', isHydrated(info));
  await expect(page.locator('h1')).toHaveText('shipping-rules');
  await expect(page.locator('#phase-decisions .markdown table')).toBeVisible();
  await expect(page.locator('#phase-design')).toContainText("design.md doesn't exist yet.");
  await expect(page.locator('#phase-design .chip')).toHaveText('missing');
  await page.getByRole('link', { name: '← Back to specs' }).click();
  await expect(page).toHaveURL(/\/specs$/);
});

test('spec page: unknown and traversal slugs', async ({ page }) => {
  const res = await page.goto('/specs/no-such-spec');
  expect(res?.status()).toBe(404);
  await expect(page.getByText("spec 'no-such-spec' not found in any configured root")).toBeVisible();
  const bad = await page.goto('/specs/a..b');
  expect(bad?.status()).toBe(400);
});
