import { defineConfig } from '@playwright/test';

// Every page runs twice: with JavaScript off (what the server renders must
// stand on its own) and hydrated. Files named *.hydrate.spec.ts need the
// wasm app and are skipped in the SSR project.
const port = Number(process.env.E2E_PORT ?? 18799);

const chromium = {
  // Debian's Chromium: never a test tool's own browser download.
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
};

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: chromium,
    viewport: { width: 1400, height: 1000 },
    screenshot: 'only-on-failure',
  },
  projects: [
    { name: 'ssr', use: { javaScriptEnabled: false }, testIgnore: /.*\.hydrate\.spec\.ts/ },
    { name: 'hydrate', use: { javaScriptEnabled: true } },
  ],
  webServer: {
    command: 'bash end2end/serve.sh',
    cwd: '..',
    url: `http://127.0.0.1:${port}/api/info`,
    timeout: 120_000,
    reuseExistingServer: false,
    env: { E2E_PORT: String(port) },
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
