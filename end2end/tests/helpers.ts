import { expect, Page, TestInfo } from '@playwright/test';

/** Fails the test on any console error or uncaught exception (hydrated pages). */
export function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

export function isHydrated(info: TestInfo): boolean {
  return info.project.name === 'hydrate';
}

/** Waits until the hydrated app has taken over (the wasm bundle loaded). */
export async function waitHydrated(page: Page) {
  await page.waitForFunction(() => (window as any).__attuneHydrated === true, null, { timeout: 30_000 });
}

/** Reloads (JavaScript off) until `check` passes. */
export async function reloadUntil(page: Page, check: () => Promise<boolean>, tries = 60) {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await page.waitForTimeout(500);
    await page.reload();
  }
  throw new Error('condition never became true');
}

export { expect };
