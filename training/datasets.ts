import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The labelled data in ../shared/datasets (see its README): read at evaluation time only,
 * never at run time and never copied into the repository.
 */
export interface Row {
  text: string;
  label?: number;
  source: string;
  split: 'train' | 'dev';
  lang?: string;
  category?: string;
  spans?: { type: string; start: number; end: number }[];
}

export function datasetsDirectory(): string {
  return resolve(process.env.PALISADE_DATASETS ?? resolve(import.meta.dirname, '../../shared/datasets'));
}

export function readRows(file: string, split?: 'train' | 'dev'): Row[] {
  const rows = readFileSync(resolve(datasetsDirectory(), file), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Row);
  return split === undefined ? rows : rows.filter((row) => row.split === split);
}

export function splitArgument(argv: readonly string[]): 'train' | 'dev' {
  const index = argv.indexOf('--split');
  const value = index === -1 ? 'dev' : argv[index + 1];
  if (value !== 'train' && value !== 'dev') throw new Error('--split must be train or dev');
  return value;
}
