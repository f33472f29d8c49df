import { PalisadeError } from '../../core/errors.js';
import { checkVersion } from './check-switch-arguments.js';
import { SwitchNoticeListeners, type SwitchNotifier } from './switch-notifier.js';

/**
 * Notices within one process: for a single gateway without Redis or PostgreSQL, and for tests.
 * Delivery is on a later microtask, never inside `publish`, as it is with a real transport, so a
 * listener cannot run in the middle of the code that flipped.
 */
export function createInProcessSwitchNotifier(): SwitchNotifier {
  const listeners = new SwitchNoticeListeners();
  let closed = false;
  return {
    async publish(version) {
      checkVersion('version', version);
      if (closed) throw new PalisadeError('unavailable', 'switch notifier is closed');
      queueMicrotask(() => listeners.emit({ type: 'changed', version }));
    },
    subscribe(listener) {
      return listeners.add(listener);
    },
    async close() {
      closed = true;
      listeners.clear();
    },
  };
}
