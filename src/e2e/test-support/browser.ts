import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { consoleDirectory } from '../../gateway/ui-routes.js';

/**
 * Real Chromium for the console's tests: Debian's package (`apt-get install chromium`), driven by
 * playwright-core (which downloads no browser). `.ci/run` installs it when it is missing; under
 * `CI=true` a missing browser fails the tests rather than skipping them.
 */
export const chromiumPath = '/usr/bin/chromium';

const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Whether the browser tests run here: `undefined` when they do, else why they are skipped (never in CI). */
export function browserSkipReason(): string | undefined {
  if (existsSync(chromiumPath)) return undefined;
  if (process.env.CI === 'true') throw new Error(`${chromiumPath} is missing: in CI the console's browser tests must run (.ci/run installs the chromium package)`);
  const reason = `skipping the console's browser tests: ${chromiumPath} is missing (apt-get install -y chromium)`;
  console.warn(reason);
  return reason;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
}

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
const dashboardRoot = join(repositoryRoot, 'dashboard');

function newestChange(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return Math.max(stats.mtimeMs, ...readdirSync(path).map((entry) => newestChange(join(path, entry))));
}

/**
 * The console as the gateway serves it (dist/dashboard, what `npm run build` makes), rebuilt
 * first when it is missing or older than its sources, so a test never checks a stale build.
 */
export async function ensureConsoleBuilt(): Promise<void> {
  const page = join(consoleDirectory, 'index.html');
  const sources = Math.max(newestChange(join(dashboardRoot, 'src')), newestChange(join(dashboardRoot, 'index.html')), newestChange(join(dashboardRoot, 'vite.config.ts')));
  if (existsSync(page) && statSync(page).mtimeMs >= sources) return;
  const { build } = await import('vite');
  await build({ configFile: join(dashboardRoot, 'vite.config.ts'), logLevel: 'warn' });
}

/** Where the test run saves the console's screenshots for the README (overwritten each run). */
export const screenshotDirectory = join(repositoryRoot, 'docs', 'screenshots');
