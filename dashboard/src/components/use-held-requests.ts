import { useEffect, useRef, useState } from 'preact/hooks';
import type { AdminApi } from '../api/admin-api.js';
import type { AuditEvent } from '../api/wire.js';
import { readHeldPage, type HeldCursor } from './held-requests.js';

const pageSize = 50;

export interface HeldRequests {
  status: 'loading' | 'ready' | 'failed';
  /** Newest first: every page read so far. */
  events: AuditEvent[];
  error: unknown;
  hasMore: boolean;
  /** Appends the next (older) page. */
  more: () => void;
  /** Reads again from the newest. */
  reload: () => void;
}

/**
 * The requests the policy held for a person, read from the audit log a page at a time (server
 * filters, keyset cursors); nothing is read while `active` is false. As with `useAsync`, an answer
 * that arrives after a newer read started is dropped.
 */
export function useHeldRequests(api: AdminApi, active: boolean): HeldRequests {
  const [state, setState] = useState<{ status: HeldRequests['status']; events: AuditEvent[]; next: HeldCursor | undefined; error: unknown }>({ status: 'loading', events: [], next: undefined, error: undefined });
  const latest = useRef(0);

  function load(from: { after: HeldCursor | undefined; keep: AuditEvent[] }) {
    const call = ++latest.current;
    setState((previous) => ({ ...previous, status: 'loading' }));
    readHeldPage({ read: (query) => api.auditEvents({ type: 'request', ...query }), count: pageSize, ...(from.after === undefined ? {} : { after: from.after }) }).then(
      (page) => {
        if (call === latest.current) setState({ status: 'ready', events: [...from.keep, ...page.events], next: page.next, error: undefined });
      },
      (error: unknown) => {
        if (call === latest.current) setState((previous) => ({ ...previous, status: 'failed', error }));
      },
    );
  }

  useEffect(() => {
    if (active) load({ after: undefined, keep: [] });
  }, [api, active]);

  return {
    status: state.status,
    events: state.events,
    error: state.error,
    hasMore: state.next !== undefined,
    more: () => {
      if (state.next !== undefined && state.status !== 'loading') load({ after: state.next, keep: state.events });
    },
    reload: () => load({ after: undefined, keep: [] }),
  };
}
