// Server-side sessions for the demo app, in memory, keyed by a random cookie value. The browser
// only ever holds the opaque id; tokens, PKCE verifiers, state and nonce stay on the server.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface PendingSignIn { state: string; nonce: string; codeVerifier: string; stepUp: boolean; startedAt: number }

export interface SignedIn {
  idToken: string;
  claims: Record<string, unknown>;
  userinfo?: Record<string, unknown> | undefined;
  stepUpRequested: boolean;
}

export interface RpSession { pending?: PendingSignIn | undefined; signedIn?: SignedIn | undefined; lastSeen: number }

export const COOKIE_NAME = 'demo_rp_sid';
const IDLE_MS = 60 * 60 * 1000;
const PENDING_MS = 10 * 60 * 1000;

function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export class SessionStore {
  private readonly sessions = new Map<string, RpSession>();

  /** The request's session, if its cookie names a live one. */
  find(req: IncomingMessage): RpSession | undefined {
    const id = readCookie(req, COOKIE_NAME);
    const session = id === undefined ? undefined : this.sessions.get(id);
    if (!session || !id) return undefined;
    if (Date.now() - session.lastSeen > IDLE_MS) {
      this.sessions.delete(id);
      return undefined;
    }
    if (session.pending && Date.now() - session.pending.startedAt > PENDING_MS) session.pending = undefined;
    session.lastSeen = Date.now();
    return session;
  }

  /** A new session under a new id (also used after sign-in, so a planted id is never promoted). */
  create(req: IncomingMessage, res: ServerResponse, data: Omit<RpSession, 'lastSeen'>): RpSession {
    const old = readCookie(req, COOKIE_NAME);
    if (old !== undefined) this.sessions.delete(old);
    this.prune();
    const id = randomBytes(32).toString('base64url');
    const session: RpSession = { ...data, lastSeen: Date.now() };
    this.sessions.set(id, session);
    res.setHeader('Set-Cookie', `${COOKIE_NAME}=${id}; Path=/; HttpOnly; SameSite=Lax`);
    return session;
  }

  destroy(req: IncomingMessage, res: ServerResponse): void {
    const id = readCookie(req, COOKIE_NAME);
    if (id === undefined) return;
    this.sessions.delete(id);
    res.setHeader('Set-Cookie', `${COOKIE_NAME}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
  }

  private prune(): void {
    const now = Date.now();
    for (const [id, s] of this.sessions) if (now - s.lastSeen > IDLE_MS) this.sessions.delete(id);
  }
}
