/**
 * Who of the team is calling: an agent or admin account, with the JWT `POST /api/auth/login` hands out, or an
 * integration with the admin key. Tokens are signed with a key derived from SECRET_KEY (JWT_ALGORITHM) and
 * expire after JWT_EXPIRATION_HOURS; each request checks the account again, so a disabled or deleted account is
 * shut out at once rather than when its token runs out, and a new password ends every token issued before it (a
 * token carries a keyed digest of the password hash it was issued under). Every failure is the same 401, so a
 * caller learns nothing about which accounts exist.
 */
import { createHmac } from 'node:crypto';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { createSigner, createVerifier } from 'fast-jwt';
import type { Settings } from '../../config/index.js';
import { UnauthorizedError } from '../../errors.js';
import type { User, UserRepository } from '../../storage/index.js';
import { adminKeyMatches } from './admin.js';
import { bearerToken } from './bearer.js';
import { decoyHash, verifyPassword } from './passwords.js';

export type Staff = { kind: 'admin-key' } | { kind: 'account'; user: User };

declare module 'fastify' {
  interface FastifyRequest {
    /** Set on staff routes (requireStaff): who is calling. */
    staff?: Staff;
  }
}

export interface LoginResult {
  token: string;
  expiresAt: Date;
  user: User;
}

export const ISSUER = 'frontline';
export const AUDIENCE = 'frontline-staff';

/** The JWT key: its own, derived, because SECRET_KEY also keys session tokens and fingerprints. */
export function staffTokenKey(secretKey: string): Buffer {
  return createHmac('sha256', secretKey).update('frontline staff jwt').digest();
}
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;
const challenge = { 'WWW-Authenticate': 'Bearer realm="frontline-staff"' };
const refused = (message: string) => new UnauthorizedError(message, { headers: challenge });

export class StaffAuth {
  private readonly sign: (payload: Record<string, unknown>) => string;
  private readonly verify: (token: string) => { sub?: string; pwv?: string };
  private readonly key: Buffer;
  private readonly expiresInMs: number;
  private readonly adminKey: string | undefined;

  constructor(
    settings: Pick<Settings, 'security'>,
    private readonly users: UserRepository,
  ) {
    const { secretKey, jwtAlgorithm, jwtExpirationHours, adminApiKey } = settings.security;
    const key = (this.key = staffTokenKey(secretKey));
    this.expiresInMs = jwtExpirationHours * 3_600_000;
    this.sign = createSigner({ key, algorithm: jwtAlgorithm, expiresIn: this.expiresInMs, iss: ISSUER, aud: AUDIENCE });
    // fast-jwt checks iss and aud only when present: requiring them makes a token of another purpose fail.
    this.verify = createVerifier({ key, algorithms: [jwtAlgorithm], allowedIss: ISSUER, allowedAud: AUDIENCE, requiredClaims: ['sub', 'exp', 'iss', 'aud', 'pwv'] });
    this.adminKey = adminApiKey?.trim() || undefined;
  }

  /** Checks e-mail and password; the same refusal for an unknown e-mail, a wrong password and a disabled account. */
  async login(email: string, password: string): Promise<LoginResult> {
    const found = await this.users.findCredentials(email); // compares e-mails case-insensitively itself
    const matches = await verifyPassword(found?.passwordHash ?? (await decoyHash()), password);
    if (!found || !matches || found.user.disabled) throw refused('The e-mail or the password is not right.');
    await this.users.recordLogin(found.user.id);
    const token = this.sign({ sub: found.user.id, role: found.user.role, pwv: this.passwordVersion(found.passwordHash) });
    return { token, expiresAt: new Date(Date.now() + this.expiresInMs), user: found.user };
  }

  async authenticate(request: FastifyRequest): Promise<Staff> {
    const token = bearerToken(request);
    if (!token) throw refused('Log in (POST /api/auth/login) and send "Authorization: Bearer <token>", or send the admin key.');
    if (JWT_SHAPE.test(token)) return { kind: 'account', user: await this.accountOf(token) };
    if (this.adminKey && adminKeyMatches(token, this.adminKey)) return { kind: 'admin-key' };
    request.log.warn({ route: request.routeOptions.url }, 'staff route called with a wrong key');
    throw refused('The token is not valid.');
  }

  /** An onRequest hook for staff routes: sets request.staff or answers 401. */
  hook(): onRequestAsyncHookHandler {
    return async (request) => {
      request.staff = await this.authenticate(request);
    };
  }

  private async accountOf(token: string): Promise<User> {
    const expired = () => refused('The token is not valid or has expired: log in again.');
    let claims: { sub?: string; pwv?: string };
    try {
      claims = this.verify(token);
    } catch {
      throw expired();
    }
    const found = claims.sub ? await this.users.credentialsById(claims.sub) : null;
    if (!found || found.user.disabled || claims.pwv !== this.passwordVersion(found.passwordHash)) throw expired();
    return found.user;
  }

  /** Changes with the password; reveals nothing of the hash. */
  private passwordVersion(passwordHash: string): string {
    return createHmac('sha256', this.key).update(passwordHash).digest('base64url').slice(0, 16);
  }
}
