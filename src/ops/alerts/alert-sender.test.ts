import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PalisadeError } from '../../core/errors.js';
import type { Alert } from './alert.js';
import { createAlertSender, type AlertDeliveryReport, type AlertSender } from './alert-sender.js';

interface Received {
  at: number;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/**
 * A webhook the test controls: `respond` decides, per request (numbered from 1), to answer with
 * a status, to hang (never answer), or to reset the connection.
 */
async function startWebhook(respond: (n: number, response: ServerResponse) => 'hang' | 'reset' | number): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ at: performance.now(), headers: request.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      const action = respond(received.length, response);
      if (action === 'hang') return;
      if (action === 'reset') {
        request.socket.destroy();
        return;
      }
      response.statusCode = action;
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/secret-token`,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function alert(n = 1, overrides: Partial<Alert> = {}): Alert {
  return {
    kind: 'subject-suspended',
    severity: 'critical',
    title: `Key key0000${n} suspended`,
    text: 'Abuse score 41 in 10 minutes: suspended for an hour.',
    at: new Date('2030-01-01T00:00:00.000Z'),
    details: { subject: `key:key0000${n}`, score: 41, masked: false },
    ...overrides,
  };
}

/** Resolves when `count` reports have arrived. */
function collector(): { reports: AlertDeliveryReport[]; onDelivery: (report: AlertDeliveryReport) => void; waitFor: (count: number) => Promise<void> } {
  const reports: AlertDeliveryReport[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  return {
    reports,
    onDelivery: (report) => {
      reports.push(report);
      for (const waiter of waiters.filter((each) => reports.length >= each.count)) waiter.resolve();
    },
    waitFor: (count) => (reports.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }))),
  };
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function webhook(respond: Parameters<typeof startWebhook>[0]) {
  const started = await startWebhook(respond);
  cleanups.push(started.close);
  return started;
}

function sender(options: Parameters<typeof createAlertSender>[0]): AlertSender {
  const created = createAlertSender(options);
  cleanups.push(() => created.close({ deadlineMs: 100 }));
  return created;
}

describe('alert sender', () => {
  it('posts the json shape and Slack’s incoming-webhook shape, with the target’s headers', async () => {
    const json = await webhook(() => 204);
    const slack = await webhook(() => 200);
    const { reports, onDelivery, waitFor } = collector();
    const alerts = sender({
      targets: [
        { url: json.url, format: 'json', headers: { authorization: 'Bearer test-token' } },
        { url: slack.url, format: 'slack', name: 'ops-channel' },
      ],
      onDelivery,
    });
    alerts.send(alert(1, { title: 'Key <!channel> suspended' }));
    await waitFor(2);
    expect(json.received[0]?.headers).toMatchObject({ authorization: 'Bearer test-token', 'content-type': 'application/json' });
    expect(json.received[0]?.body).toEqual({
      kind: 'subject-suspended',
      severity: 'critical',
      title: 'Key <!channel> suspended',
      text: 'Abuse score 41 in 10 minutes: suspended for an hour.',
      at: '2030-01-01T00:00:00.000Z',
      details: { subject: 'key:key00001', score: 41, masked: false },
    });
    expect(slack.received[0]?.body).toEqual({
      text: '[CRITICAL] Key &lt;!channel&gt; suspended',
      blocks: [
        { type: 'section', text: { type: 'plain_text', text: '[CRITICAL] Key <!channel> suspended', emoji: false } },
        { type: 'section', text: { type: 'plain_text', text: 'Abuse score 41 in 10 minutes: suspended for an hour.', emoji: false } },
        {
          type: 'section',
          fields: [
            { type: 'plain_text', text: 'subject: key:key00001', emoji: false },
            { type: 'plain_text', text: 'score: 41', emoji: false },
            { type: 'plain_text', text: 'masked: false', emoji: false },
          ],
        },
        { type: 'context', elements: [{ type: 'plain_text', text: 'subject-suspended · critical · 2030-01-01T00:00:00.000Z', emoji: false }] },
      ],
    });
    const origin = new URL(json.url).origin;
    // The two targets are delivered concurrently: compare by target, not by arrival order.
    expect(Object.fromEntries(reports.map((report) => [report.target, [report.outcome, report.attempts, report.status]]))).toEqual({
      'ops-channel': ['delivered', 1, 200],
      [origin]: ['delivered', 1, 204],
    });
    // The report names the origin, never the path that holds the webhook's secret.
    expect(JSON.stringify(reports)).not.toContain('secret-token');
    expect(alerts.stats()).toEqual({ pending: 0, delivered: 2, failed: 0, dropped: 0, abandoned: 0 });
  });

  it('returns from send at once, before any network work, even with a hanging target', async () => {
    const hanging = await webhook(() => 'hang');
    const alerts = sender({ targets: [{ url: hanging.url, format: 'json' }], queueSize: 3, timeoutMs: 5_000 });
    for (let n = 1; n <= 10; n++) expect(alerts.send(alert(n))).toBeUndefined();
    // Nothing has been sent on the caller's turn: delivery starts on a later one.
    expect(hanging.received).toHaveLength(0);
    expect(alerts.stats()).toMatchObject({ pending: 3, dropped: 7 });
  });

  it('retries 5xx with growing, jittered waits within the backoff bounds, then delivers', async () => {
    const flaky = await webhook((n) => (n <= 4 ? 503 : 200));
    const { reports, onDelivery, waitFor } = collector();
    const alerts = sender({ targets: [{ url: flaky.url, format: 'json' }], retry: { attempts: 5, baseMs: 100, maxMs: 250 }, onDelivery });
    alerts.send(alert());
    await waitFor(1);
    expect(reports[0]).toMatchObject({ outcome: 'delivered', attempts: 5, status: 200 });
    expect(flaky.received).toHaveLength(5);
    const gaps = flaky.received.slice(1).map((each, index) => each.at - (flaky.received[index]?.at ?? 0));
    // Retry n waits in [d/2, d), d = min(250, 100 × 2^(n-1)): 100, 200, 250, 250.
    const ceilings = [100, 200, 250, 250];
    gaps.forEach((gap, index) => {
      const ceiling = ceilings[index] ?? 0;
      expect(gap).toBeGreaterThanOrEqual(ceiling / 2 - 2);
      // Generous: the upper bound only has to catch a wait from the wrong formula, not measure speed.
      expect(gap).toBeLessThan(ceiling + 400);
    });
  });

  it('gives up after the attempts and records it', async () => {
    const broken = await webhook(() => 500);
    const { reports, onDelivery, waitFor } = collector();
    const alerts = sender({ targets: [{ url: broken.url, format: 'json' }], retry: { attempts: 3, baseMs: 10, maxMs: 20 }, onDelivery });
    alerts.send(alert());
    await waitFor(1);
    expect(reports[0]).toMatchObject({ outcome: 'failed', attempts: 3, status: 500, error: 'answered 500' });
    expect(broken.received).toHaveLength(3);
    expect(alerts.stats()).toMatchObject({ failed: 1, delivered: 0, pending: 0 });
  });

  it('does not retry an answer that will not get better', async () => {
    const refusing = await webhook(() => 400);
    const { reports, onDelivery, waitFor } = collector();
    const alerts = sender({ targets: [{ url: refusing.url, format: 'slack' }], retry: { attempts: 5, baseMs: 10, maxMs: 20 }, onDelivery });
    alerts.send(alert());
    await waitFor(1);
    expect(reports[0]).toMatchObject({ outcome: 'failed', attempts: 1, status: 400 });
    expect(refusing.received).toHaveLength(1);
  });

  it('retries a target that hangs past the timeout, and one that resets the connection', async () => {
    const hangsOnce = await webhook((n) => (n === 1 ? 'hang' : 200));
    const resetsTwice = await webhook((n) => (n <= 2 ? 'reset' : 200));
    const { reports, onDelivery, waitFor } = collector();
    const alerts = sender({
      targets: [
        { url: hangsOnce.url, format: 'json', name: 'hangs' },
        { url: resetsTwice.url, format: 'json', name: 'resets' },
      ],
      retry: { attempts: 4, baseMs: 10, maxMs: 20 },
      timeoutMs: 300,
      onDelivery,
    });
    alerts.send(alert());
    await waitFor(2);
    const byName = Object.fromEntries(reports.map((report) => [report.target, report]));
    expect(byName.hangs).toMatchObject({ outcome: 'delivered', attempts: 2 });
    expect(byName.resets).toMatchObject({ outcome: 'delivered', attempts: 3 });
    expect(hangsOnce.received).toHaveLength(2);
    expect(resetsTwice.received).toHaveLength(3);
  });

  it('retries a refused connection and reports why it gave up, without the URL', async () => {
    const gone = await startWebhook(() => 200);
    await gone.close();
    const { reports, onDelivery, waitFor } = collector();
    const alerts = sender({ targets: [{ url: gone.url, format: 'json' }], retry: { attempts: 2, baseMs: 10, maxMs: 20 }, onDelivery });
    alerts.send(alert());
    await waitFor(1);
    expect(reports[0]).toMatchObject({ outcome: 'failed', attempts: 2 });
    expect(reports[0]?.error).toMatch(/ECONNREFUSED/);
    expect(reports[0]?.error).not.toContain('127.0.0.1');
  });

  it('drops the oldest deliveries when the queue is full, and counts them', async () => {
    const slow = await webhook(() => 200);
    const { reports, onDelivery, waitFor } = collector();
    const alerts = sender({ targets: [{ url: slow.url, format: 'json' }], queueSize: 2, concurrency: 1, onDelivery });
    for (let n = 1; n <= 5; n++) alerts.send(alert(n));
    await waitFor(5);
    expect(reports.filter((report) => report.outcome === 'dropped').map((report) => report.title)).toEqual(['Key key00001 suspended', 'Key key00002 suspended', 'Key key00003 suspended']);
    expect(slow.received.map((each) => (each.body as { title: string }).title)).toEqual(['Key key00004 suspended', 'Key key00005 suspended']);
    expect(alerts.stats()).toMatchObject({ delivered: 2, dropped: 3, pending: 0 });
  });

  it('counts an outcome, and takes it out of pending, before reporting it', async () => {
    const fine = await webhook((n) => (n === 2 ? 400 : 200));
    const seen: { outcome: string; pending: number; settled: number }[] = [];
    const { onDelivery, waitFor } = collector();
    const alerts: AlertSender = sender({
      targets: [{ url: fine.url, format: 'json' }],
      concurrency: 1,
      onDelivery: (report) => {
        const stats = alerts.stats();
        seen.push({ outcome: report.outcome, pending: stats.pending, settled: stats.delivered + stats.failed });
        onDelivery(report);
      },
    });
    for (let n = 1; n <= 3; n++) alerts.send(alert(n));
    await waitFor(3);
    expect(seen).toEqual([
      { outcome: 'delivered', pending: 2, settled: 1 },
      { outcome: 'failed', pending: 1, settled: 2 },
      { outcome: 'delivered', pending: 0, settled: 3 },
    ]);
  });

  it('still delivers to the targets whose format can carry an alert the others cannot', async () => {
    const json = await webhook(() => 200);
    const slack = await webhook(() => 200);
    const { reports, onDelivery, waitFor } = collector();
    const alerts = sender({
      targets: [
        { url: json.url, format: 'json' },
        { url: slack.url, format: 'slack', name: 'slack' },
      ],
      onDelivery,
    });
    // JSON has no bigint; the Slack body shows details as text.
    alerts.send(alert(1, { details: { big: 10n as unknown as number } }));
    await waitFor(1);
    expect(reports).toEqual([expect.objectContaining({ target: 'slack', outcome: 'delivered' })]);
    expect(json.received).toHaveLength(0);
    expect(alerts.stats()).toMatchObject({ delivered: 1, failed: 1, pending: 0 });
  });

  it('never throws from send: an unrenderable alert, a bad one, or one after close', async () => {
    const target = await webhook(() => 200);
    const alerts = createAlertSender({ targets: [{ url: target.url, format: 'json' }] });
    expect(() => alerts.send(alert(1, { details: { big: 10n as unknown as number } }))).not.toThrow();
    expect(() => alerts.send(alert(1, { at: new Date(Number.NaN) }))).not.toThrow();
    expect(() => alerts.send(null as unknown as Alert)).not.toThrow();
    expect(alerts.stats().failed).toBe(3);
    await alerts.close();
    expect(() => alerts.send(alert())).not.toThrow();
    expect(alerts.stats()).toMatchObject({ dropped: 1, pending: 0 });
    expect(target.received).toHaveLength(0);
  });

  it('drains on close, and abandons what is left at the deadline', async () => {
    const fine = await webhook(() => 200);
    const drained = createAlertSender({ targets: [{ url: fine.url, format: 'json' }] });
    for (let n = 1; n <= 3; n++) drained.send(alert(n));
    expect(await drained.close({ deadlineMs: 5_000 })).toEqual({ pending: 0, delivered: 3, failed: 0, dropped: 0, abandoned: 0 });

    const hanging = await webhook(() => 'hang');
    const { reports, onDelivery } = collector();
    const stuck = createAlertSender({ targets: [{ url: hanging.url, format: 'json' }], concurrency: 1, timeoutMs: 60_000, onDelivery });
    for (let n = 1; n <= 3; n++) stuck.send(alert(n));
    const stats = await stuck.close({ deadlineMs: 200 });
    expect(stats).toEqual({ pending: 0, delivered: 0, failed: 0, dropped: 0, abandoned: 3 });
    expect(reports.map((report) => [report.outcome, report.attempts])).toEqual([
      ['abandoned', 0],
      ['abandoned', 0],
      ['abandoned', 1],
    ]);
    // Closing again gives the same answer.
    expect(await stuck.close()).toEqual(stats);
  });

  it('refuses a malformed configuration when it is built', () => {
    expect(() => createAlertSender({ targets: [{ url: 'ftp://example.test/x', format: 'json' }] })).toThrow(/http/);
    expect(() => createAlertSender({ targets: [{ url: 'not a url', format: 'json' }] })).toThrow(/absolute URL/);
    expect(() => createAlertSender({ targets: [{ url: 'http://127.0.0.1/', format: 'xml' as 'json' }] })).toThrow(/format/);
    expect(() => createAlertSender({ targets: [], retry: { attempts: 0 } })).toThrow(/attempts/);
    expect(() => createAlertSender({ targets: [], retry: { baseMs: 100, maxMs: 50 } })).toThrow(/maxMs/);
  });

  it('refuses configuration as a typed error that names the option and never quotes the secret', () => {
    const refusal = (options: unknown): unknown => {
      try {
        createAlertSender(options as Parameters<typeof createAlertSender>[0]);
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const secret = 'hooks/T000/B000/very-secret';
    const cases: [unknown, string][] = [
      [{ targets: [{ url: `ftp://example.test/${secret}`, format: 'json' }] }, 'targets[0].url'],
      [{ targets: [{ url: `example.test/${secret}`, format: 'json' }] }, 'targets[0].url'],
      [{ targets: [{ url: `https://user:${secret}@example.test/`, format: 'json' }] }, 'targets[0].url'],
      [{ targets: [{ url: 42, format: 'json' }] }, 'targets[0].url'],
      [{ targets: [{ url: 'https://example.test/', format: 'xml' }] }, 'targets[0].format'],
      [{ targets: [{ url: 'https://example.test/', format: 'json' }, null] }, 'targets[1]'],
      [{ targets: [{ url: 'https://example.test/', format: 'json', name: ' ' }] }, 'targets[0].name'],
      [{ targets: [{ url: 'https://example.test/', format: 'json', headers: { authorization: `Bearer ${secret}\r\nx-evil: 1` } }] }, 'targets[0].headers'],
      [{ targets: [{ url: 'https://example.test/', format: 'json', headers: { 'bad name': secret } }] }, 'targets[0].headers'],
      [{ targets: [{ url: 'https://example.test/', format: 'json', headers: { authorization: 7 } }] }, 'targets[0].headers'],
      [{ targets: [{ url: 'https://example.test/', format: 'json', headers: { 'Content-Type': 'text/plain' } }] }, 'targets[0].headers'],
      [{ targets: 'https://example.test/' }, 'targets'],
      [{}, 'targets'],
      [{ targets: [], queueSize: '10' }, 'queueSize'],
      [{ targets: [], timeoutMs: 0 }, 'timeoutMs'],
      [{ targets: [], concurrency: 1.5 }, 'concurrency'],
      [{ targets: [], onDelivery: 'log' }, 'onDelivery'],
    ];
    for (const [options, path] of cases) {
      const error = refusal(options);
      expect(error, path).toBeInstanceOf(PalisadeError);
      expect(error).toMatchObject({ code: 'invalid_argument', details: [{ path }] });
      expect((error as Error).message).toContain(path);
      expect(JSON.stringify({ message: (error as Error).message, details: (error as PalisadeError).details })).not.toContain('secret');
    }
  });
});
