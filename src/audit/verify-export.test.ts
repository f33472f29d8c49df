import { beforeEach, describe, expect, it } from 'vitest';
import { createAuditWriter } from './audit-writer.js';
import { exportAuditLog } from './export-audit-log.js';
import { MemoryAuditStore } from './memory-audit-store.js';
import { collectLines, fixtureTime, requestEvent } from './test-support/audit-fixtures.js';
import { verifyExport } from './verify-export.js';

const now = (): Date => new Date(fixtureTime(10_000));

describe('verifyExport', () => {
  let store: MemoryAuditStore;
  let lines: string[];
  beforeEach(async () => {
    store = new MemoryAuditStore();
    const writer = createAuditWriter({ store, writerId: 'writer-a', now });
    for (let n = 1; n <= 6; n += 1) await writer.append(requestEvent(n));
    await writer.anchor();
    for (let n = 7; n <= 9; n += 1) await writer.append(requestEvent(n));
    await writer.close();
    lines = await collectLines(exportAuditLog(store, { from: new Date(fixtureTime(2)), to: new Date(fixtureTime(5)), now }));
  });

  it('extends the span to the witnessing anchor and verifies it', async () => {
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ writers: [{ writerId: 'writer-a', firstSeq: 2, lastSeq: 6, witnessSeq: 6 }], anchors: { firstSeq: 1, lastSeq: 1 } });
    expect(await verifyExport(lines)).toMatchObject({ ok: true, eventsChecked: 5, anchorsChecked: 1, anchorHead: { seq: 1 } });
    expect(await verifyExport(lines.join('').split('\n'))).toMatchObject({ ok: true });
  });

  it('reports events not yet anchored as such', async () => {
    const unanchored = await collectLines(exportAuditLog(new MemoryAuditStore(), { from: new Date(fixtureTime(0)), to: new Date(fixtureTime(1)) }));
    expect(await verifyExport(unanchored)).toMatchObject({ ok: true, writers: 0 });
    const open = new MemoryAuditStore();
    const writer = createAuditWriter({ store: open, writerId: 'writer-b' });
    for (const n of [1, 2]) await writer.append(requestEvent(n));
    const tail = await collectLines(exportAuditLog(open, { from: new Date(fixtureTime(0)), to: new Date(fixtureTime(5)) }));
    expect(await verifyExport(tail)).toMatchObject({ ok: true, eventsChecked: 2, unanchored: [{ writerId: 'writer-b', fromSeq: 1, toSeq: 2 }] });
    await writer.close();
  });

  it('detects an edited anchor and a missing witness', async () => {
    const anchorLine = lines.findIndex((line) => line.includes('"record":"anchor"'));
    const edited = lines.map((line, index) => (index === anchorLine ? line.replace('"kind":"checkpoint"', '"kind":"writer-closed"') : line));
    expect((await verifyExport(edited)).firstProblem).toMatchObject({ kind: 'edited', anchorSeq: 1 });
    const withoutAnchor = lines.filter((_, index) => index !== anchorLine);
    expect((await verifyExport(withoutAnchor)).firstProblem).toMatchObject({ kind: 'truncated', anchorSeq: 1 });
  });

  it('refuses bundles that are not exports', async () => {
    expect((await verifyExport([])).firstProblem).toMatchObject({ kind: 'truncated' });
    expect((await verifyExport(lines.slice(1))).firstProblem?.message).toMatch(/does not start with its header/);
    expect((await verifyExport([...lines.slice(0, 2), 'not json', ...lines.slice(2)])).firstProblem?.message).toMatch(/line 3 is not an export record/);
    expect((await verifyExport([lines[0] ?? '', ...lines])).firstProblem?.message).toMatch(/a second header/);
    const header = JSON.parse(lines[0] ?? '') as { writers: { writerId: string }[] };
    const renamed = JSON.stringify({ ...header, writers: [{ ...header.writers[0], writerId: 'writer-z' }] });
    expect((await verifyExport([renamed, ...lines.slice(1)])).firstProblem).toMatchObject({ kind: 'deleted', writerId: 'writer-z' });
  });
});
