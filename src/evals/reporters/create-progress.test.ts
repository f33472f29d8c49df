import { describe, expect, it } from 'vitest';
import { createProgress } from './create-progress.js';

function fakeStream(options: { isTTY: boolean; columns?: number }) {
  const writes: string[] = [];
  return { writes, stream: { isTTY: options.isTTY, ...(options.columns === undefined ? {} : { columns: options.columns }), write: (chunk: string) => writes.push(chunk) } };
}

function clock() {
  let time = 1_000;
  return { now: () => time, advance: (milliseconds: number) => (time += milliseconds) };
}

describe('createProgress', () => {
  it('redraws one line in place on a terminal, with counts, rate and ETA', () => {
    const { writes, stream } = fakeStream({ isTTY: true });
    const time = clock();
    const progress = createProgress({ total: 100, stream, now: time.now });
    time.advance(10_000);
    progress.update({ done: 25, failed: 3, errors: 1 });
    expect(writes).toEqual(['\r[#####---------------] 25/100 25%  3 failed  1 error  2.5/s  ETA 0:30\u001b[K']);
    time.advance(50);
    progress.update({ done: 26, failed: 3, errors: 2 });
    expect(writes).toHaveLength(1);
    time.advance(50);
    progress.update({ done: 27, failed: 3, errors: 2 });
    expect(writes[1]?.startsWith('\r') && writes[1].endsWith('\u001b[K')).toBe(true);
    expect(writes[1]?.slice(1, -3)).toMatch(/^\[#####-+\] 27\/100 27% {2}3 failed {2}2 errors {2}2\.7\/s {2}ETA 0:2\d$/);
    time.advance(60_000);
    progress.update({ done: 100, failed: 4, errors: 2 });
    expect(writes[2]).toContain('[####################] 100/100 100%  4 failed  2 errors  1.4/s  ETA 0:00');
    progress.finish();
    progress.finish();
    expect(writes.at(-1)).toBe('\n');
    expect(writes.filter((chunk) => chunk === '\n')).toHaveLength(1);
    expect(writes.slice(0, -1).every((chunk) => chunk.startsWith('\r') && !chunk.includes('\n'))).toBe(true);
  });

  it('cuts the bar to the terminal width so the line never wraps', () => {
    const { writes, stream } = fakeStream({ isTTY: true, columns: 30 });
    createProgress({ total: 10, stream }).update({ done: 1, failed: 0, errors: 0 });
    expect(writes[0]).toBe('\r[##------------------] 1/10 1\u001b[K');
  });

  it('writes an occasional plain line when not on a terminal: each tenth, after a silence, and at the end', () => {
    const { writes, stream } = fakeStream({ isTTY: false });
    const time = clock();
    const progress = createProgress({ total: 1000, stream, now: time.now, lineEveryMs: 30_000 });
    for (let done = 1; done <= 250; done += 1) {
      time.advance(10);
      progress.update({ done, failed: 0, errors: 0 });
    }
    expect(writes).toEqual([
      'eval progress: 1/1000 0%, 0 failed, 0 errors, 100/s, ETA 0:10\n',
      'eval progress: 100/1000 10%, 0 failed, 0 errors, 100/s, ETA 0:09\n',
      'eval progress: 200/1000 20%, 0 failed, 0 errors, 100/s, ETA 0:08\n',
    ]);
    time.advance(31_000);
    progress.update({ done: 251, failed: 1, errors: 0 });
    expect(writes).toHaveLength(4);
    expect(writes[3]).toContain('251/1000 25%, 1 failed');
    progress.update({ done: 1000, failed: 1, errors: 0 });
    progress.finish();
    expect(writes).toHaveLength(5);
    expect(writes[4]).toMatch(/^eval progress: 1000\/1000 100%, 1 failed, 0 errors, .*ETA 0:00\n$/);
    expect(writes.join('')).not.toContain('\r');
    expect(writes.join('')).not.toContain('\u001b');
  });

  it('ends with a final line on finish when the last update was not written', () => {
    const { writes, stream } = fakeStream({ isTTY: false });
    const progress = createProgress({ total: 100, stream });
    progress.update({ done: 1, failed: 0, errors: 0 });
    progress.update({ done: 2, failed: 0, errors: 0 });
    progress.finish();
    expect(writes).toHaveLength(2);
    expect(writes[1]).toContain('2/100');
  });

  it('shows an unknown ETA before any case finished', () => {
    const { writes, stream } = fakeStream({ isTTY: true });
    createProgress({ total: 5, stream, now: () => 0 }).update({ done: 0, failed: 0, errors: 0 });
    expect(writes[0]).toContain('0/5 0%  0 failed  0 errors  0.0/s  ETA --:--');
  });

  it('writes nothing when disabled', () => {
    for (const isTTY of [true, false]) {
      const { writes, stream } = fakeStream({ isTTY });
      const progress = createProgress({ total: 10, stream, enabled: false });
      progress.update({ done: 5, failed: 1, errors: 1 });
      progress.update({ done: 10, failed: 1, errors: 1 });
      progress.finish();
      expect(writes).toEqual([]);
    }
  });
});
