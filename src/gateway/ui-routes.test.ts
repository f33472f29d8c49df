import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleDirectory, registerUiRoutes } from './ui-routes.js';

let directory: string;
const page = '<!doctype html><html><head><script type="module" src="/ui/assets/app-1a2b.js"></script></head><body></body></html>';

async function appWith(options: { directory: string }): Promise<FastifyInstance> {
  const app = Fastify();
  registerUiRoutes(app, options);
  await app.ready();
  return app;
}

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'palisade-ui-'));
  mkdirSync(join(directory, 'assets'));
  writeFileSync(join(directory, 'index.html'), page);
  writeFileSync(join(directory, 'assets', 'app-1a2b.js'), 'console.log("console");');
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('registerUiRoutes', () => {
  it('looks for the built console in the package, not the working directory', () => {
    expect(consoleDirectory).toBe(join(new URL('../..', import.meta.url).pathname, 'dist', 'dashboard') + '/');
  });

  it('serves the page at /ui and at every path of the app, never cached, under a strict CSP', async () => {
    const app = await appWith({ directory });
    for (const url of ['/ui', '/ui/', '/ui/audit', '/ui/review?item=apr_1']) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.body).toBe(page);
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(response.headers['content-security-policy']).toContain("script-src 'self'");
      expect(response.headers['content-security-policy']).not.toContain('unsafe-inline');
      expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(response.headers['x-content-type-options']).toBe('nosniff');
    }
    await app.close();
  });

  it('serves hashed assets with a long cache, and a missing asset is 404 rather than the page', async () => {
    const app = await appWith({ directory });
    const asset = await app.inject({ url: '/ui/assets/app-1a2b.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['cache-control']).toContain('immutable');
    const missing = await app.inject({ url: '/ui/assets/app-old.js' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'not_found' } });
    await app.close();
  });

  it('says how to build the console when it is missing, and leaves other routes alone', async () => {
    const app = Fastify();
    app.get('/healthz', async () => ({ status: 'ok' }));
    registerUiRoutes(app, { directory: join(directory, 'nowhere') });
    for (const url of ['/ui', '/ui/overview']) {
      const response = await app.inject({ url });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({ error: { code: 'unavailable', message: expect.stringContaining('npm run build') } });
    }
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    await app.close();
  });
});
