import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { PalisadeError } from '../core/errors.js';
import { renderOpenAIError } from './wire/render-wire-error.js';

/**
 * Where `npm run build` puts the console (`vite build` of dashboard/): `dist/dashboard/` of this
 * package. Found from this module, not the working directory: src/gateway/ (tests, tsx) and
 * dist/gateway/ (the built package) both sit two levels below the package root.
 */
export const consoleDirectory = fileURLToPath(new URL('../../dist/dashboard/', import.meta.url));

/**
 * The console page may run only its own scripts and styles and talk only to this origin; it is
 * never framed. Chart.js draws on a canvas and Preact sets styles through the DOM, so nothing
 * needs 'unsafe-inline'.
 */
const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function sendError(reply: FastifyReply, failure: PalisadeError): FastifyReply {
  const rendered = renderOpenAIError(failure);
  return reply.code(rendered.status).headers(rendered.headers).send(rendered.body);
}

/**
 * `/ui`: the console, a single-page app that talks only to the admin API. Its hashed assets are
 * served from `/ui/assets/` (cached for good); every other path under `/ui` is the app's page
 * (`index.html`, never cached), whose router picks the view. When the console was not built,
 * `/ui` answers 503 saying how to build it, and the rest of the gateway runs as usual.
 */
export function registerUiRoutes(app: FastifyInstance, options: { directory?: string } = {}): void {
  const directory = options.directory ?? consoleDirectory;
  if (!existsSync(join(directory, 'index.html'))) {
    const notBuilt = async (_request: unknown, reply: FastifyReply) =>
      sendError(reply, new PalisadeError('unavailable', `the console is not built (no ${join(directory, 'index.html')}): run \`npm run build\`, then restart the gateway`));
    app.get('/ui', notBuilt);
    app.get('/ui/*', notBuilt);
    return;
  }

  void app.register(async (scope) => {
    scope.addHook('onSend', async (_request, reply) => {
      void reply.header('content-security-policy', contentSecurityPolicy);
      void reply.header('x-content-type-options', 'nosniff');
      void reply.header('referrer-policy', 'no-referrer');
      void reply.header('x-frame-options', 'DENY');
    });
    await scope.register(fastifyStatic, {
      root: directory,
      prefix: '/ui/',
      // One route per file found at start (the build is done by then), so unknown paths reach the page below.
      wildcard: false,
      index: false,
      redirect: false,
      cacheControl: false,
      // Hashed names change with every build, so assets are cached for good; the page never is.
      setHeaders: (response, path) => {
        response.setHeader('cache-control', path.startsWith(join(directory, 'assets')) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
    const page = async (_request: unknown, reply: FastifyReply) => reply.sendFile('index.html');
    scope.get('/ui', page);
    scope.get('/ui/*', async (request, reply) => {
      // A missing hashed file is a stale page asking for an old build: say so rather than answer HTML.
      if (request.url.startsWith('/ui/assets/')) return sendError(reply, new PalisadeError('not_found', 'no such console asset; reload the page'));
      return page(request, reply);
    });
  });
}
