import { defineConfig } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './tests/support/ports';
import { CHROMIUM_ARGS, chromiumPath } from './tests/e2e/browser';

// Chosen once by the main process; the workers inherit it through the environment.
process.env.FIKA_E2E_PORT ??= String(await freePort());
process.env.FIKA_E2E_DATA ??= fs.mkdtempSync(path.join(os.tmpdir(), 'fika-e2e-'));
const port = Number(process.env.FIKA_E2E_PORT);
const baseURL = `http://127.0.0.1:${port}`;

/**
 * End-to-end tests: the production build (`build/`) served by the real server on the demo
 * data, driven in Debian's Chromium. `npm run test:e2e` builds what is stale first.
 */
export default defineConfig({
  testDir: 'tests/e2e',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? 'line' : 'list',
  use: {
    baseURL,
    browserName: 'chromium',
    locale: 'en-GB',
    serviceWorkers: 'allow',
    launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS },
    trace: 'retain-on-failure'
  },
  webServer: {
    command: 'node --enable-source-maps dist/server/index.mjs --demo',
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    // E2E_SERVER_LOG=1 shows the server's log (its warnings: refused updates, closed connections).
    stdout: process.env.E2E_SERVER_LOG ? 'pipe' : 'ignore',
    stderr: 'pipe',
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      FIKA_DEMO_DATA_DIR: process.env.FIKA_E2E_DATA
    }
  }
});
