import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { AdminApi } from './api/admin-api.js';
import type { Whoami } from './api/wire.js';

/**
 * The signed-in key lives in sessionStorage only: gone when the tab closes, never in a URL, a
 * cookie or a log. Every request sends it in the Authorization header.
 */
const storageName = 'palisade.console.key';

export function storedKey(): string | undefined {
  try {
    return sessionStorage.getItem(storageName) ?? undefined;
  } catch {
    return undefined;
  }
}

export function storeKey(key: string | undefined): void {
  try {
    if (key === undefined) sessionStorage.removeItem(storageName);
    else sessionStorage.setItem(storageName, key);
  } catch {
    // Storage refused (private mode): the session then lasts as long as the page.
  }
}

export interface Session {
  api: AdminApi;
  whoami: Whoami;
  signOut: (reason?: string) => void;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === undefined) throw new Error('useSession outside a signed-in console');
  return session;
}
