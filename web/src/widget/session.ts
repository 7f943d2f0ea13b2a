import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ApiClient } from '../shared/api/client.js';

/**
 * The member token: handed over by the embedding page with postMessage (never in the URL),
 * or pasted by hand when the widget is opened directly. Kept for the tab only (sessionStorage).
 *
 * Embedding page → widget:  { type: 'laurel:token', token: 'mt.…' }
 * Widget → embedding page:  { type: 'laurel:ready' } on load, { type: 'laurel:token-expired' } on a 401.
 */
const STORAGE_KEY = 'laurel.memberToken';

export function storedToken(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function storeToken(token: string | null): void {
  try {
    if (token) sessionStorage.setItem(STORAGE_KEY, token);
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // storage blocked in a third-party frame: the token lives in memory only
  }
}

export function tellParent(message: { type: 'laurel:ready' } | { type: 'laurel:token-expired' }): void {
  if (window.parent !== window) window.parent.postMessage(message, '*');
}

export function isTokenMessage(data: unknown): data is { type: 'laurel:token'; token: string } {
  const d = data as { type?: unknown; token?: unknown } | null;
  return typeof d === 'object' && d !== null && d.type === 'laurel:token' && typeof d.token === 'string' && d.token.startsWith('mt.');
}

export interface WidgetSession {
  api: ApiClient;
  memberId: string;
  signOut(): void;
}

export const SessionContext = createContext<WidgetSession | null>(null);

export function useSession(): WidgetSession {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside the signed-in widget');
  return s;
}
