import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryAuditStore } from '../../audit/memory-audit-store.js';
import { collectLines } from '../../audit/test-support/audit-fixtures.js';
import { verifyExport } from '../../audit/verify-export.js';
import { incidentEvidenceContract } from './incident-evidence-contract.js';
import { writeIncidentBundle } from './incident-bundle.js';
import { at, hashes, incident, iso, scenarioPolicyStores, writeScenario } from './test-support/incident-scenario.js';

incidentEvidenceContract('memory', async () => ({ store: new MemoryAuditStore(), close: async () => {} }));

type Record = { record: string; [field: string]: unknown };

describe('verifying an incident bundle', () => {
  let lines: string[];
  let records: Record[];

  beforeAll(async () => {
    const audit = new MemoryAuditStore();
    await writeScenario(audit);
    lines = await collectLines(writeIncidentBundle({ audit, ...(await scenarioPolicyStores()), incident, now: () => at(60) }));
    records = lines.map((line) => JSON.parse(line) as Record);
    expect(await verifyExport(lines)).toMatchObject({ ok: true });
  });

  const indexOf = (predicate: (record: Record) => boolean): number => records.findIndex(predicate);
  /** The bundle with the record at `index` changed by `change` (a deep copy). */
  function edited(index: number, change: (record: Record) => void): string[] {
    const copy = structuredClone(records[index]) as Record;
    change(copy);
    return lines.map((line, at) => (at === index ? `${JSON.stringify(copy)}\n` : line));
  }
  const without = (index: number): string[] => lines.filter((_, at) => at !== index);
  const timelineAt = (): number => indexOf((record) => record.record === 'timeline');
  const entriesOf = (record: Record) => record.entries as { eventId: string; summary: string; time: string; type: string }[];

  it('finds an edited event by its chain, as in any export', async () => {
    const at = indexOf((record) => record.record === 'event' && (record.event as { type: string }).type === 'key-revoked');
    const result = await verifyExport(edited(at, (record) => ((record.event as { data: { key_id: string } }).data.key_id = 'key99999')));
    expect(result.ok).toBe(false);
    expect(result.firstProblem).toMatchObject({ kind: 'edited', writerId: 'replica-b', eventId: 'evt-key-revoked-2' });
  });

  it('finds an edited timeline entry: its summary, type or time no longer that of its event', async () => {
    for (const change of [
      (entry: { summary: string }) => (entry.summary = 'key-revoked: nothing to see'),
      (entry: { type: string }) => (entry.type = 'key-rotated'),
      (entry: { time: string }) => (entry.time = iso(2.5)),
    ]) {
      const result = await verifyExport(edited(timelineAt(), (record) => change(entriesOf(record)[2] as never)));
      expect(result.ok).toBe(false);
      expect(result.firstProblem).toMatchObject({ kind: 'edited', record: 'timeline' });
      expect(result.firstProblem?.message).toMatch(/timeline entry 3 \(event evt-key-revoked-2\) differs from its event/);
    }
  });

  it('finds a timeline entry removed, added, or moved', async () => {
    const removed = await verifyExport(edited(timelineAt(), (record) => entriesOf(record).splice(1, 1)));
    expect(removed.firstProblem).toMatchObject({ kind: 'deleted', record: 'timeline' });
    expect(removed.firstProblem?.message).toMatch(/event evt-incident-opened-0 .* belongs on the incident's timeline, which lacks it/);

    const added = await verifyExport(edited(timelineAt(), (record) => entriesOf(record).push({ eventId: 'evt-request-30', time: iso(30), type: 'request', summary: 'request' })));
    expect(added.firstProblem).toMatchObject({ kind: 'edited', record: 'timeline' });
    expect(added.firstProblem?.message).toMatch(/names no exported event that belongs/);

    const moved = await verifyExport(edited(timelineAt(), (record) => entriesOf(record).reverse()));
    expect(moved.firstProblem).toMatchObject({ kind: 'reordered', record: 'timeline' });

    const uncounted = await verifyExport(edited(timelineAt(), (record) => (record.total = 3)));
    expect(uncounted.firstProblem).toMatchObject({ kind: 'edited', record: 'timeline' });
  });

  it('finds a policy text that no longer matches its hash, and a policy version dropped or slipped in', async () => {
    const last = records.length - 1;
    const text = await verifyExport(edited(last, (record) => (record.text = `${String(record.text)}  - id: allow-all\n`)));
    expect(text.firstProblem).toMatchObject({ kind: 'edited', record: 'policy-version', policyHash: records[last]?.hash });

    const dropped = await verifyExport(without(last));
    expect(dropped.firstProblem).toMatchObject({ kind: 'deleted', record: 'policy-version', policyHash: records[last]?.hash });

    const unlisted = await verifyExport(edited(timelineAt(), (record) => (record.policyVersions = [hashes.v2])));
    expect(unlisted.firstProblem).toMatchObject({ kind: 'deleted', record: 'timeline', policyHash: hashes.v3 });

    const doubled = await verifyExport([...lines, lines[last] ?? '']);
    expect(doubled.firstProblem).toMatchObject({ kind: 'edited', record: 'policy-version' });
  });

  it('finds any line dropped: the incident, an event, the timeline', async () => {
    expect((await verifyExport(without(1))).firstProblem).toMatchObject({ kind: 'deleted', record: 'incident' });
    const event = indexOf((record) => record.record === 'event' && record.seq === 2);
    expect((await verifyExport(without(event))).firstProblem).toMatchObject({ kind: 'deleted' });
    expect((await verifyExport(without(timelineAt()))).firstProblem).toMatchObject({ kind: 'deleted', record: 'timeline' });
    const ended = await verifyExport(lines.slice(0, timelineAt()));
    expect(ended.firstProblem).toMatchObject({ kind: 'truncated', record: 'timeline' });
  });

  it('refuses an incident record changed to hide events, or a bundle that is not declared', async () => {
    // Closed earlier: the untagged acts after it would no longer be on the timeline; later: one more would be.
    const earlier = await verifyExport(edited(1, (record) => ((record.incident as { closedAt: string }).closedAt = iso(5))));
    expect(earlier.firstProblem).toMatchObject({ kind: 'edited', record: 'timeline' });
    expect(earlier.firstProblem?.message).toMatch(/timeline entry 7 \(event evt-rollout-started-7\) names no exported event that belongs/);
    const later = await verifyExport(edited(1, (record) => ((record.incident as { closedAt: string }).closedAt = iso(15))));
    expect(later.firstProblem).toMatchObject({ kind: 'deleted', record: 'timeline' });
    expect(later.firstProblem?.message).toMatch(/event evt-switch-flipped-12/);
    const outside = await verifyExport(edited(1, (record) => ((record.incident as { openedAt: string }).openedAt = iso(-20))));
    expect(outside.firstProblem).toMatchObject({ kind: 'edited', record: 'incident' });
    const fewerTypes = await verifyExport(edited(0, (record) => ((record.bundle as { types: string[] }).types = ['incident-opened'])));
    expect(fewerTypes.firstProblem).toMatchObject({ kind: 'edited', record: 'incident' });
    const undeclared = await verifyExport(edited(0, (record) => delete record.bundle));
    expect(undeclared.firstProblem).toMatchObject({ kind: 'edited', record: 'incident' });
    const extraField = await verifyExport(edited(timelineAt(), (record) => (entriesOf(record)[0] as { note?: string }).note = 'planted'));
    expect(extraField.firstProblem?.message).toMatch(/is not an export record/);
  });
});
