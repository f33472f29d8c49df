/**
 * Clients that loop non-streaming completions against a gateway until told to stop or until the
 * gateway goes away. A request counts as acknowledged only when its whole answer arrived: status
 * 200 and a body that parses, exactly what a client could act on.
 */
export interface CompletionLoad {
  /** Request ids (`x-palisade-request-id`) of the acknowledged requests, so far. */
  readonly acknowledged: readonly string[];
  /** Requests that ended any other way (a refusal, a reset connection, a cut body). */
  readonly failed: number;
  /** Resolves when every client has stopped: after `stop()`, or once each has seen a failure. */
  finished: Promise<void>;
  stop(): void;
}

export function startCompletionLoad(options: { url: string; key: string; clients: number; model?: string }): CompletionLoad {
  const acknowledged: string[] = [];
  let failed = 0;
  let stopped = false;
  const client = async (index: number): Promise<void> => {
    for (let round = 0; !stopped; round += 1) {
      try {
        const response = await fetch(`${options.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${options.key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: options.model ?? 'palisade-demo', messages: [{ role: 'user', content: `client ${index} round ${round}: hello` }] }),
        });
        const body = (await response.json()) as { choices?: unknown[] };
        const id = response.headers.get('x-palisade-request-id');
        if (response.status === 200 && Array.isArray(body.choices) && id !== null) acknowledged.push(id);
        else failed += 1;
      } catch {
        // The gateway is gone (or cut the body): this client is done.
        failed += 1;
        return;
      }
    }
  };
  const finished = Promise.all(Array.from({ length: options.clients }, (_, index) => client(index))).then(() => undefined);
  return {
    get acknowledged() {
      return acknowledged;
    },
    get failed() {
      return failed;
    },
    finished,
    stop: () => {
      stopped = true;
    },
  };
}
