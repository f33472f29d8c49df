import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export type AsyncState<Value> = { status: 'loading'; value: Value | undefined } | { status: 'ready'; value: Value } | { status: 'failed'; value: Value | undefined; error: unknown };

/**
 * Runs `load` when `inputs` change and on `reload()`; an answer that arrives after a newer call
 * started is dropped, so a slow page never overwrites a faster, later one. The last value stays
 * visible while reloading.
 */
export function useAsync<Value>(load: () => Promise<Value>, inputs: readonly unknown[]): AsyncState<Value> & { reload: () => void } {
  const [state, setState] = useState<AsyncState<Value>>({ status: 'loading', value: undefined });
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    const call = ++latest.current;
    setState((previous) => ({ status: 'loading', value: previous.value }));
    load().then(
      (value) => {
        if (call === latest.current) setState({ status: 'ready', value });
      },
      (error: unknown) => {
        if (call === latest.current) setState((previous) => ({ status: 'failed', value: previous.value, error }));
      },
    );
    // The caller lists what `load` depends on, as `inputs`.
  }, [...inputs, generation]);
  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { ...state, reload };
}
