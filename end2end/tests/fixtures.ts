import { test as base, expect } from '@playwright/test';

/**
 * Every spec imports `test` from here. When the suite runs under
 * E2E_FAKETIME (see ../serve.sh), the dashboard's clock is faked; the
 * browser's clock is set to the server's (read from the HTTP `Date` header)
 * before each test, and then ticks on naturally, so relative times computed
 * in the browser ("3 min ago", today's bar) agree with the server's.
 */
export const test = base.extend<{ serverClock: void }>({
  serverClock: [
    async ({ page, request }, use) => {
      if (process.env.E2E_FAKETIME) {
        const res = await request.get('/api/info');
        const date = res.headers()['date'];
        const serverNow = date ? Date.parse(date) : NaN;
        if (Number.isNaN(serverNow)) throw new Error(`the dashboard sent no usable Date header (${date})`);
        // The fake instant is far from the real one: a clock that was not
        // faked would be off by days, which says the set-up is broken.
        if (Math.abs(serverNow - Date.now()) < 60_000) throw new Error('E2E_FAKETIME is set but the dashboard runs at the real time');
        await page.clock.install({ time: serverNow });
      }
      await use();
    },
    { auto: true },
  ],
});

export { expect };
