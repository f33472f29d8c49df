import type { ApprovalRequest, ApprovalStore, NewApprovalRequest } from '../tools/approval-store.js';

export type HoldOutcome =
  /** Approved, and this call took the one-time hand-over (`markTokenIssued`): forward it. */
  | { state: 'approved'; record: ApprovalRequest }
  | { state: 'denied'; record: ApprovalRequest }
  /** Nobody decided before the request's deadline; it stays in the store, reading as expired. */
  | { state: 'timeout'; record?: ApprovalRequest }
  /** The agent cancelled the call, or the proxy is closing. */
  | { state: 'cancelled' };

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Creates the approval request and holds the call until a person decides (through the admin
 * API, on the same store), or the request's deadline passes. The deadline (`request.expiresAt`)
 * is the proxy's wait, so a request the proxy gave up on can no longer be approved: nobody is
 * misled into approving a call that will never run. Store errors while polling are reported
 * and polling goes on; the deadline still holds.
 */
export async function holdForApproval(options: {
  approvals: ApprovalStore;
  request: NewApprovalRequest;
  pollMs: number;
  signal: AbortSignal;
  now: () => Date;
  onPollError?: (error: unknown) => void;
  /** Called after every poll that found the request still pending (for progress notifications). */
  onPending?: () => void;
}): Promise<HoldOutcome> {
  const { approvals, request, signal } = options;
  const tenantId = request.tenantId;
  await approvals.create(request);
  const read = async (): Promise<ApprovalRequest | undefined> => {
    try {
      return await approvals.get(request.id, { now: options.now(), tenantId });
    } catch (error) {
      options.onPollError?.(error);
      return undefined;
    }
  };
  for (;;) {
    const remaining = request.expiresAt.getTime() - options.now().getTime();
    await sleep(Math.max(0, Math.min(options.pollMs, remaining)), signal);
    if (signal.aborted) return { state: 'cancelled' };
    const record = await read();
    if (record?.status === 'approved') {
      const taken = await approvals.markTokenIssued({ id: request.id, now: options.now(), tenantId });
      // Anything but the first hand-over (already taken, or not approved after all) is not a licence to run.
      return taken.state === 'issued' ? { state: 'approved', record: taken.record } : { state: 'denied', record };
    }
    if (record?.status === 'denied') return { state: 'denied', record };
    if (record?.status === 'expired') return { state: 'timeout', record };
    if (options.now().getTime() >= request.expiresAt.getTime()) return record === undefined ? { state: 'timeout' } : { state: 'timeout', record };
    options.onPending?.();
  }
}
