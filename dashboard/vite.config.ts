import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The console is built into the package's dist/dashboard/, which the gateway serves at /ui
 * (src/gateway/ui-routes.ts). Everything is emitted as files (no inline scripts or styles), so the
 * page runs under a CSP without 'unsafe-inline'.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/ui/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/dashboard/', import.meta.url)),
    emptyOutDir: true,
    // Inline assets would be data: URLs; keep every asset a file of its own.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: 'es2022',
    reportCompressedSize: false,
  },
  server: {
    // `npx vite dashboard` during development: the page on :5173, the admin API on a running gateway.
    proxy: { '/admin': 'http://127.0.0.1:8787' },
  },
});
