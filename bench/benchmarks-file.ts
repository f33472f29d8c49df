import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';

const file = resolve(import.meta.dirname, '../BENCHMARKS.md');

/** Replaces the section between `<!-- name:start -->` and `<!-- name:end -->` in BENCHMARKS.md. */
export function writeSection(name: string, body: string): void {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const current = readFileSync(file, 'utf8');
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  if (from === -1 || to === -1) throw new Error(`BENCHMARKS.md has no ${start} … ${end} section`);
  writeFileSync(file, `${current.slice(0, from + start.length)}\n${body.trim()}\n${current.slice(to)}`);
}

export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${new Date().toISOString().slice(0, 10)}, ${cpu} (${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB), Node ${process.version}, ${process.platform}`;
}
