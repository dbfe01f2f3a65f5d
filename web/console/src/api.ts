/** The console's only way to the server: its own HTTP API, with the login token of the person using it. */

export interface User {
  id: string;
  email: string;
  displayName: string;
  role: 'admin' | 'agent';
}

export interface Ticket {
  id: string;
  status: 'open' | 'claimed' | 'resolved';
  priority: 'urgent' | 'high' | 'normal';
  reasons: string[];
  summary: string;
  customerFacts: { key: string; value: string }[];
  assigneeId: string | null;
  createdAt: string;
}

export interface Message {
  id: string;
  role: string;
  content: string;
  author?: string;
  createdAt: string;
}

export interface TicketDetail extends Ticket {
  conversation: { sessionId: string; customerId: string | null; channel: string; status: string; title: string | null } | null;
  messages: Message[];
}

export interface KnowledgeDocument {
  id: string;
  title: string;
  status: string;
  chunkCount: number;
  createdAt: string;
}

const TOKEN_KEY = 'frontline-console-token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const session = {
  get token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set token(value: string | null) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

/** Calls /api<path>; a 401 logs the person out (the token expired or the account was disabled). */
export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  if (session.token) headers.set('authorization', `Bearer ${session.token}`);
  if (init.body && !(init.body instanceof FormData)) headers.set('content-type', 'application/json');
  const response = await fetch(`/api${path}`, { ...init, headers });
  if (response.status === 401 && session.token) {
    session.token = null;
    window.dispatchEvent(new Event('frontline-logout'));
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new ApiError(response.status, body?.error?.message ?? `HTTP ${response.status}`);
  }
  return (response.status === 204 ? undefined : await response.json()) as T;
}

export const post = <T>(path: string, body?: unknown) => api<T>(path, { method: 'POST', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
