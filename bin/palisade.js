#!/usr/bin/env node
// The bin runs the compiled CLI; `npm install` builds it through the `prepare` script.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('palisade: the CLI is not built yet; run `npm run build` in the package directory.\n');
  process.exit(1);
}
await import(entry.href);
