/**
 * Logging in for the team, and the accounts themselves:
 * - `POST /auth/login` { email, password } -> a JWT for the staff routes (tickets, users); at most 10 attempts per
 *   client a minute (even with RATE_LIMIT_ENABLED=false), and the same 401 for every kind of wrong;
 * - `GET /auth/me`: who the token belongs to;
 * - `GET/POST /users`, `PATCH /users/:id`: accounts, for admins (an admin account or the admin key).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../../errors.js';
import { USER_ROLES, type User } from '../../storage/index.js';
import { errorResponses } from '../plugins/errors.js';
import type { Services } from '../services.js';
import { createAccount, updateAccount } from './accounts.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './passwords.js';

const LOGIN_ATTEMPTS_PER_MINUTE = 10;
const secured = { description: 'Needs `Authorization: Bearer <login token>` (or the admin key).', security: [{ staffToken: [] }] };

const email = z.string().trim().toLowerCase().email().max(254);
const password = z.string().min(MIN_PASSWORD_LENGTH).max(MAX_PASSWORD_LENGTH).describe(`At least ${MIN_PASSWORD_LENGTH} characters`);
const userView = z.object({
  id: z.string(),
  email: z.string(),
  displayName: z.string(),
  role: z.enum(USER_ROLES),
  disabled: z.boolean(),
  createdAt: z.string(),
  lastLoginAt: z.string().nullable(),
});
const userParams = z.object({ id: z.string().min(1).max(128).describe('User id') });

function toUserView(user: User): z.infer<typeof userView> {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    role: user.role,
    disabled: user.disabled,
    createdAt: user.createdAt.toISOString(),
    lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
  };
}

/** Managing accounts is for admins: an admin account, or whoever holds the admin key. */
function requireAdmin(request: FastifyRequest): void {
  const staff = request.staff;
  if (!staff) throw new UnauthorizedError('This route needs a login token or the admin key');
  if (staff.kind === 'account' && staff.user.role !== 'admin') throw new ForbiddenError('Only an admin may manage accounts');
}

export async function authRoutes(app: FastifyInstance, options: { services: Services }) {
  const { staff, repositories } = options.services;
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['team'];
  const staffOnly = staff.hook();

  routes.post(
    '/auth/login',
    {
      schema: {
        tags,
        summary: 'Log in as an agent or admin: a token for the staff routes (JWT_EXPIRATION_HOURS)',
        body: z.object({ email, password: z.string().min(1).max(MAX_PASSWORD_LENGTH) }).strict(),
        response: {
          200: z.object({ token: z.string(), tokenType: z.literal('Bearer'), expiresAt: z.string(), user: userView }),
          ...errorResponses(400, 401, 429),
        },
      },
      // Guessing passwords: a handful of tries a minute per client, even with the general limit off.
      config: { rateLimit: { max: LOGIN_ATTEMPTS_PER_MINUTE, timeWindow: 60_000 } },
    },
    async (request) => {
      const { token, expiresAt, user } = await staff.login(request.body.email, request.body.password);
      return { token, tokenType: 'Bearer' as const, expiresAt: expiresAt.toISOString(), user: toUserView(user) };
    },
  );

  routes.get(
    '/auth/me',
    {
      onRequest: staffOnly,
      schema: {
        tags,
        summary: 'Who the token belongs to',
        response: { 200: z.object({ kind: z.enum(['account', 'admin-key']), user: userView.nullable() }), ...errorResponses(401, 429) },
        ...secured,
      },
    },
    async (request) => {
      const caller = request.staff!;
      return { kind: caller.kind, user: caller.kind === 'account' ? toUserView(caller.user) : null };
    },
  );

  routes.get(
    '/users',
    {
      onRequest: staffOnly,
      schema: {
        tags,
        summary: 'The accounts, newest first (admins)',
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(200).optional() }),
        response: { 200: z.object({ users: z.array(userView), nextCursor: z.string().nullable() }), ...errorResponses(400, 401, 403, 429) },
        ...secured,
      },
    },
    async (request) => {
      requireAdmin(request);
      const page = await repositories.users.list(request.query);
      return { users: page.items.map(toUserView), nextCursor: page.nextCursor };
    },
  );

  routes.post(
    '/users',
    {
      onRequest: staffOnly,
      schema: {
        tags,
        summary: 'Add an account (admins); without a password one is generated and returned once',
        body: z
          .object({ email, displayName: z.string().trim().min(1).max(100), role: z.enum(USER_ROLES).default('agent'), password: password.optional() })
          .strict(),
        response: {
          201: z.object({ user: userView, password: z.string().optional().describe('The generated password: shown this once') }),
          ...errorResponses(400, 401, 403, 409, 429),
        },
        ...secured,
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      const { user, generatedPassword } = await createAccount(repositories.users, request.body);
      return reply.code(201).send({ user: toUserView(user), ...(generatedPassword ? { password: generatedPassword } : {}) });
    },
  );

  routes.patch(
    '/users/:id',
    {
      onRequest: staffOnly,
      schema: {
        tags,
        summary: 'Rename, change the role, disable or enable an account, or set its password (admins)',
        params: userParams,
        body: z
          .object({ displayName: z.string().trim().min(1).max(100).optional(), role: z.enum(USER_ROLES).optional(), disabled: z.boolean().optional(), password: password.optional() })
          .strict(),
        response: { 200: userView, ...errorResponses(400, 401, 403, 404, 409, 429) },
        ...secured,
      },
    },
    async (request) => {
      requireAdmin(request);
      const user = await updateAccount(repositories.users, request.params.id, request.body);
      if (!user) throw new NotFoundError(`No user with id ${request.params.id}`);
      return toUserView(user);
    },
  );
}
