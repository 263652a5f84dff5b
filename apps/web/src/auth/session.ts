import { useSyncExternalStore } from 'react';

/**
 * The signed-in session: the api's bearer token, kept in localStorage so it survives a reload,
 * and a notice for the sign-in page ("your session expired"). A tiny store read with
 * useSyncExternalStore; everything else about the user comes from the api.
 */
export type Session = { token: string; email: string; expiresAt: string };

const KEY = 'tenant.session';
const listeners = new Set<() => void>();
let notice: string | null = null;

function read(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

let current = read();

function emit() {
  for (const listener of listeners) listener();
}

// Another tab signing in or out changes this one too.
if (typeof window !== 'undefined') {
  window.addEventListener('storage', (event) => {
    if (event.key !== KEY) return;
    current = read();
    emit();
  });
}

export const session = {
  get: () => current,
  token: () => current?.token ?? null,
  signIn(next: { token: string; expiresAt: Date; user: { email: string } }) {
    current = { token: next.token, email: next.user.email, expiresAt: next.expiresAt.toISOString() };
    localStorage.setItem(KEY, JSON.stringify(current));
    notice = null;
    emit();
  },
  /** Forgets the token; `why` is shown on the sign-in page. */
  signOut(why: string | null = null) {
    current = null;
    notice = why;
    localStorage.removeItem(KEY);
    emit();
  },
  /** The api refused our token (expired, revoked): back to sign-in, saying so. */
  expire() {
    if (current) session.signOut('Your session has expired. Please sign in again.');
  },
  isExpired: () => current !== null && new Date(current.expiresAt).getTime() <= Date.now(),
  /** Why the user was signed out, until they sign in again (read, never consumed: a page may mount twice). */
  notice: () => notice,
  subscribe(listener: () => void) {
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  },
};

export function useSession(): Session | null {
  return useSyncExternalStore(session.subscribe, session.get, session.get);
}
