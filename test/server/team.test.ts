/**
 * The team's accounts and logins over the real app and SQLite: argon2id hashes, JWTs that stop working when the
 * account is disabled, one refusal for every wrong credential, a login rate limit, admin-only account management,
 * and claiming tickets (one winner when two agents claim at once).
 */
import { createSigner } from 'fast-jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIENCE, ISSUER, staffTokenKey } from '../../src/server/auth/staff.js';
import { createAccount } from '../../src/server/auth/accounts.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { ADMIN_KEY, adminHeaders } from '../knowledge/service/helpers.js';
import { startChat } from '../agent/helpers.js';

const SECRET_KEY = 'team-test-secret-key-0123456789abcdef0123456789';
const PASSWORD = 'correct horse battery staple';
let t: TestApp;
let dana: { id: string };
let sam: { id: string };

beforeAll(async () => {
  // The general rate limit is off: logging in keeps its own.
  t = await buildTestApp({ SECRET_KEY, ADMIN_API_KEY: ADMIN_KEY, RATE_LIMIT_ENABLED: 'false', AI_PROVIDER: 'extractive' });
  const users = t.app.services.repositories.users;
  dana = (await createAccount(users, { email: 'Dana@Example.com', displayName: 'Dana', role: 'admin', password: PASSWORD })).user;
  sam = (await createAccount(users, { email: 'sam@example.com', displayName: 'Sam', role: 'agent', password: PASSWORD })).user;
});
afterAll(() => t.close());

const login = (email: string, password: string, ip = '10.0.0.1') =>
  t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password }, remoteAddress: ip });
let clients = 0;
/** Logs in from a client of its own, so the login rate limit of one test does not reach the others. */
async function tokenOf(email: string): Promise<Record<string, string>> {
  const response = await login(email, PASSWORD, `10.1.0.${++clients}`);
  expect(response.statusCode).toBe(200);
  return { authorization: `Bearer ${response.json().token}` };
}

describe('logging in', () => {
  it('gives a token for the staff routes; the password is kept only as an argon2id hash', async () => {
    const response = await login('dana@example.com', PASSWORD);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ tokenType: 'Bearer', user: { email: 'dana@example.com', displayName: 'Dana', role: 'admin' } });
    expect(Date.parse(body.expiresAt) - Date.now()).toBeGreaterThan(23 * 3_600_000); // JWT_EXPIRATION_HOURS=24
    const me = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${body.token}` } });
    expect(me.json()).toMatchObject({ kind: 'account', user: { id: dana.id, lastLoginAt: expect.any(String) } });

    const stored = await t.app.services.repositories.users.findCredentials('dana@example.com');
    expect(stored!.passwordHash).toMatch(/^\$argon2id\$/);
    expect(stored!.passwordHash).not.toContain(PASSWORD);
    expect(JSON.stringify(body)).not.toContain(PASSWORD);
  });

  it('refuses a wrong password, an unknown e-mail and a disabled account alike', async () => {
    const gone = await createAccount(t.app.services.repositories.users, { email: 'gone@example.com', displayName: 'Gone', role: 'agent', password: PASSWORD });
    await t.app.services.repositories.users.update(gone.user.id, { disabled: true }); // the right password, a disabled account
    const answers = await Promise.all([login('dana@example.com', 'wrong password 123'), login('nobody@example.com', PASSWORD), login('gone@example.com', PASSWORD)]);
    expect(answers.map((r) => r.statusCode)).toEqual([401, 401, 401]);
    expect(new Set(answers.map((r) => r.json().error.message)).size).toBe(1);
    expect(answers[0]!.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('refuses forged, expired and foreign tokens, and a token whose account was disabled since', async () => {
    const me = (headers: Record<string, string>) => t.app.inject({ method: 'GET', url: '/api/auth/me', headers });
    const real = (await tokenOf('sam@example.com')).authorization!.slice(7);
    const [header, payload, signature] = real.split('.');
    // Sam's real claims (his password's digest among them), signed again: with the right key, in the past, with others.
    const { sub, role, pwv } = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    const signed = (key: Buffer, options: { clockTimestamp?: number; iss?: string; aud?: string } = {}) =>
      createSigner({ key, algorithm: 'HS256', expiresIn: 60_000, iss: ISSUER, aud: AUDIENCE, ...options })({ sub, role, pwv });
    const ownKey = staffTokenKey(SECRET_KEY);
    expect((await me({ authorization: `Bearer ${signed(ownKey)}` })).statusCode).toBe(200); // the test's signer is right
    expect((await me({ authorization: `Bearer ${signed(ownKey, { clockTimestamp: Date.now() - 120_000 })}` })).statusCode).toBe(401); // expired
    expect((await me({ authorization: `Bearer ${signed(ownKey, { aud: 'another-service' })}` })).statusCode).toBe(401);
    expect((await me({ authorization: `Bearer ${signed(staffTokenKey('another-secret-key-0123456789abcdef0123'))}` })).statusCode).toBe(401);
    expect((await me({ authorization: `Bearer ${signed(Buffer.from(SECRET_KEY))}` })).statusCode).toBe(401); // SECRET_KEY itself does not sign
    const noAudience = createSigner({ key: ownKey, algorithm: 'HS256', expiresIn: 60_000, iss: ISSUER })({ sub, role, pwv });
    expect((await me({ authorization: `Bearer ${noAudience}` })).statusCode).toBe(401);
    const raised = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: dana.id })).toString('base64url');
    expect((await me({ authorization: `Bearer ${header}.${raised}.${signature}` })).statusCode).toBe(401);
    expect((await me({})).statusCode).toBe(401);

    const pat = (await createAccount(t.app.services.repositories.users, { email: 'pat@example.com', displayName: 'Pat', role: 'agent', password: PASSWORD })).user;
    const patToken = await tokenOf('pat@example.com');
    expect((await me(patToken)).statusCode).toBe(200);
    await t.app.services.repositories.users.update(pat.id, { disabled: true });
    expect((await me(patToken)).statusCode).toBe(401);
  });

  it('ends the tokens issued before a password change', async () => {
    const kim = (await createAccount(t.app.services.repositories.users, { email: 'kim@example.com', displayName: 'Kim', role: 'agent', password: PASSWORD })).user;
    const before = await tokenOf('kim@example.com');
    const changed = await t.app.inject({ method: 'PATCH', url: `/api/users/${kim.id}`, headers: adminHeaders(), payload: { password: 'a brand new passphrase' } });
    expect(changed.statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: before })).statusCode).toBe(401);
    expect((await login('kim@example.com', PASSWORD, '10.2.0.1')).statusCode).toBe(401);
    expect((await login('kim@example.com', 'a brand new passphrase', '10.2.0.2')).statusCode).toBe(200);
  });

  it('allows a handful of attempts a minute per client', async () => {
    const attempts = [];
    for (let i = 0; i < 12; i++) attempts.push((await login('dana@example.com', `guess number ${i}!`, '10.9.9.9')).statusCode);
    expect(attempts.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(attempts.slice(10)).toEqual([429, 429]);
    expect((await login('dana@example.com', PASSWORD, '10.9.9.10')).statusCode).toBe(200); // another client is not held up
  });
});

describe('managing accounts', () => {
  it('lets admins add, list and disable accounts; a generated password is shown once and works', async () => {
    const admin = await tokenOf('dana@example.com');
    const added = await t.app.inject({ method: 'POST', url: '/api/users', headers: admin, payload: { email: 'lee@example.com', displayName: 'Lee' } });
    expect(added.statusCode).toBe(201);
    const { user, password } = added.json();
    expect(user).toMatchObject({ email: 'lee@example.com', role: 'agent', disabled: false });
    expect(password).toMatch(/^[\w-]{24}$/);
    expect((await login('lee@example.com', password)).statusCode).toBe(200);

    const listed = await t.app.inject({ method: 'GET', url: '/api/users?limit=200', headers: adminHeaders() });
    expect(listed.json().users.map((u: { email: string }) => u.email)).toContain('lee@example.com');
    expect(JSON.stringify(listed.json())).not.toMatch(/argon2|passwordHash/);

    const disabled = await t.app.inject({ method: 'PATCH', url: `/api/users/${user.id}`, headers: admin, payload: { disabled: true } });
    expect(disabled.json()).toMatchObject({ disabled: true });
    expect((await login('lee@example.com', password)).statusCode).toBe(401);
    const taken = await t.app.inject({ method: 'POST', url: '/api/users', headers: admin, payload: { email: 'LEE@example.com', displayName: 'Lee 2' } });
    expect(taken.statusCode).toBe(409);

    // Dana is the only admin: she cannot be demoted or disabled until there is another.
    const lastAdmin = await t.app.inject({ method: 'PATCH', url: `/api/users/${dana.id}`, headers: adminHeaders(), payload: { role: 'agent' } });
    expect(lastAdmin.statusCode).toBe(409);
    expect(lastAdmin.json().error.message).toMatch(/last active admin/);
    const second = (await t.app.inject({ method: 'POST', url: '/api/users', headers: admin, payload: { email: 'ada@example.com', displayName: 'Ada', role: 'admin' } })).json();
    const demoted = await t.app.inject({ method: 'PATCH', url: `/api/users/${second.user.id}`, headers: admin, payload: { role: 'agent' } });
    expect(demoted.json()).toMatchObject({ role: 'agent' });
  });

  it('keeps agents out of account management and refuses weak passwords', async () => {
    const agent = await tokenOf('sam@example.com');
    expect((await t.app.inject({ method: 'GET', url: '/api/users', headers: agent })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: '/api/users', headers: agent, payload: { email: 'mo@example.com', displayName: 'Mo' } })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'PATCH', url: `/api/users/${sam.id}`, headers: agent, payload: { role: 'admin' } })).statusCode).toBe(403);
    const weak = await t.app.inject({ method: 'POST', url: '/api/users', headers: adminHeaders(), payload: { email: 'kim@example.com', displayName: 'Kim', password: 'short' } });
    expect(weak.statusCode).toBe(400);
  });
});

describe('claiming tickets', () => {
  async function handOff(): Promise<string> {
    const chat = await startChat(t.app);
    const turn = await chat.send('I want to talk to a real person');
    expect(turn.ticketId).toEqual(expect.any(String));
    return turn.ticketId!;
  }

  it('gives a ticket to one of two agents claiming it at once, and lists it as theirs', async () => {
    const ticketId = await handOff();
    const [samToken, danaToken] = [await tokenOf('sam@example.com'), await tokenOf('dana@example.com')];
    const claim = (headers: Record<string, string>) => t.app.inject({ method: 'POST', url: `/api/tickets/${ticketId}/claim`, headers });
    const answers = await Promise.all([claim(samToken), claim(danaToken)]);
    expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const winner = answers.find((r) => r.statusCode === 200)!.json();
    expect(winner).toMatchObject({ id: ticketId, status: 'claimed', assigneeId: expect.stringMatching(new RegExp(`^(${sam.id}|${dana.id})$`)) });
    const mine = await t.app.inject({ method: 'GET', url: '/api/tickets?assignee=me', headers: winner.assigneeId === sam.id ? samToken : danaToken });
    expect(mine.json().tickets.map((ticket: { id: string }) => ticket.id)).toEqual([ticketId]);
  });

  it("signs the team's messages with the account's name, and lets only admins assign to others", async () => {
    const ticketId = await handOff();
    const samToken = await tokenOf('sam@example.com');
    const written = await t.app.inject({ method: 'POST', url: `/api/tickets/${ticketId}/messages`, headers: samToken, payload: { content: 'Sam here, how can I help?' } });
    expect(written.json()).toMatchObject({ role: 'agent', author: 'Sam' });
    expect((await t.app.services.repositories.messages.get(written.json().id))!.metadata).toEqual({ author: 'Sam', authorId: sam.id });
    const posing = await t.app.inject({ method: 'POST', url: `/api/tickets/${ticketId}/messages`, headers: samToken, payload: { content: 'x', author: 'Dana (Manager)' } });
    expect(posing.statusCode).toBe(400);

    const toDana = (headers: Record<string, string>) => t.app.inject({ method: 'POST', url: `/api/tickets/${ticketId}/claim`, headers, payload: { assigneeId: dana.id } });
    expect((await toDana(samToken)).statusCode).toBe(403);
    const noAccount = await t.app.inject({ method: 'POST', url: `/api/tickets/${ticketId}/claim`, headers: adminHeaders() });
    expect(noAccount.statusCode).toBe(400);
    const disabled = (await createAccount(t.app.services.repositories.users, { email: 'off@example.com', displayName: 'Off', role: 'agent', password: PASSWORD })).user;
    await t.app.services.repositories.users.update(disabled.id, { disabled: true });
    const toDisabled = await t.app.inject({ method: 'POST', url: `/api/tickets/${ticketId}/claim`, headers: adminHeaders(), payload: { assigneeId: disabled.id } });
    expect(toDisabled.statusCode).toBe(400);
    expect((await toDana(adminHeaders())).json()).toMatchObject({ status: 'claimed', assigneeId: dana.id });
  });
});
