import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ApiClient } from '../shared/api/client.js';
import type { Me } from '../shared/api/types.js';

/** The signed-in marketer or admin: the API key lives in sessionStorage for this tab only. */
const STORAGE_KEY = 'laurel.consoleKey';

export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function storeKey(key: string | null): void {
  try {
    if (key) sessionStorage.setItem(STORAGE_KEY, key);
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // blocked storage: the key lives in memory only
  }
}

export interface ConsoleSession {
  api: ApiClient;
  me: Extract<Me, { kind: 'key' }>;
  isAdmin: boolean;
}

export const ConsoleContext = createContext<ConsoleSession | null>(null);

export function useConsole(): ConsoleSession {
  const s = useContext(ConsoleContext);
  if (!s) throw new Error('useConsole outside the signed-in console');
  return s;
}
