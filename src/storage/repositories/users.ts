/**
 * Console users (human agents and admins). Passwords arrive already hashed: hashing belongs to auth, not storage.
 * `User` carries no hash, so a user object can be serialised into a response without leaking it; only
 * `findCredentials` returns the hash, for the login check.
 */
import type { Updateable } from 'kysely';
import { ConflictError } from '../../errors.js';
import {
  afterPosition,
  assertOneOf,
  fromBool,
  fromOptionalTimestamp,
  fromTimestamp,
  isUniqueViolation,
  pageSize,
  rowPosition,
  toBool,
  toPage,
  toTimestamp,
  type Page,
  type PageRequest,
} from '../columns.js';
import { USER_ROLES, type UserRole, type UserRow, type UsersTable } from '../schema.js';
import { deleteById, newId, type RepositoryContext } from './context.js';

export type { UserRole } from '../schema.js';

export interface User {
  id: string;
  email: string;
  displayName: string;
  role: UserRole;
  disabled: boolean;
  createdAt: Date;
  lastLoginAt: Date | null;
}

export interface NewUser {
  email: string;
  displayName: string;
  passwordHash: string;
  role: UserRole;
  disabled?: boolean;
}

export interface UserPatch {
  displayName?: string;
  passwordHash?: string;
  role?: UserRole;
  disabled?: boolean;
}

export interface UserListQuery extends PageRequest {
  role?: UserRole;
}

/** Emails compare case-insensitively: the stored form is trimmed and lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    role: row.role,
    disabled: fromBool(row.disabled),
    createdAt: fromTimestamp(row.created_at),
    lastLoginAt: fromOptionalTimestamp(row.last_login_at),
  };
}

export function createUserRepository({ db, now }: RepositoryContext) {
  return {
    /** Throws ConflictError when the email (in any letter case) is taken. */
    async create(input: NewUser): Promise<User> {
      const email = normalizeEmail(input.email);
      try {
        const row = await db
          .insertInto('users')
          .values({
            id: newId(),
            email,
            display_name: input.displayName,
            password_hash: input.passwordHash,
            role: assertOneOf(input.role, USER_ROLES, 'user role'),
            disabled: toBool(input.disabled ?? false),
            created_at: toTimestamp(now()),
            last_login_at: null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toUser(row);
      } catch (error) {
        if (isUniqueViolation(error)) throw new ConflictError(`A user with email ${email} already exists`, { cause: error });
        throw error;
      }
    },

    async get(id: string): Promise<User | null> {
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toUser(row) : null;
    },

    async findByEmail(email: string): Promise<User | null> {
      const row = await db.selectFrom('users').selectAll().where('email', '=', normalizeEmail(email)).executeTakeFirst();
      return row ? toUser(row) : null;
    },

    /** The user and their password hash, for verifying a login; null when no such email. */
    async findCredentials(email: string): Promise<{ user: User; passwordHash: string } | null> {
      const row = await db.selectFrom('users').selectAll().where('email', '=', normalizeEmail(email)).executeTakeFirst();
      return row ? { user: toUser(row), passwordHash: row.password_hash } : null;
    },

    /** The same by id, for checking a login token against the password it was issued under. */
    async credentialsById(id: string): Promise<{ user: User; passwordHash: string } | null> {
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? { user: toUser(row), passwordHash: row.password_hash } : null;
    },

    /** Newest first. */
    async list(query: UserListQuery = {}): Promise<Page<User>> {
      const limit = pageSize(query.limit);
      let q = db.selectFrom('users').selectAll();
      if (query.role !== undefined) q = q.where('role', '=', query.role);
      if (query.cursor) q = q.where(afterPosition(query.cursor, 'desc'));
      const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
      return toPage(rows, limit, toUser, rowPosition);
    },

    /** How many users exist (zero means the first admin still has to be created). */
    async count(): Promise<number> {
      const row = await db.selectFrom('users').select((eb) => eb.fn.countAll().as('count')).executeTakeFirstOrThrow();
      return Number(row.count);
    },

    /** Accounts of a role that may log in (not disabled). */
    async countActive(role: UserRole): Promise<number> {
      const row = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll().as('count'))
        .where('role', '=', role)
        .where('disabled', '=', toBool(false))
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    /** Returns false when the user does not exist. */
    async recordLogin(id: string, at: Date = now()): Promise<boolean> {
      const result = await db
        .updateTable('users')
        .set({ last_login_at: toTimestamp(at) })
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async update(id: string, patch: UserPatch): Promise<User | null> {
      const set: Updateable<UsersTable> = {};
      if (patch.displayName !== undefined) set.display_name = patch.displayName;
      if (patch.passwordHash !== undefined) set.password_hash = patch.passwordHash;
      if (patch.role !== undefined) set.role = assertOneOf(patch.role, USER_ROLES, 'user role');
      if (patch.disabled !== undefined) set.disabled = toBool(patch.disabled);
      const q = db.selectFrom('users').selectAll().where('id', '=', id);
      const row =
        Object.keys(set).length === 0
          ? await q.executeTakeFirst()
          : await db.updateTable('users').set(set).where('id', '=', id).returningAll().executeTakeFirst();
      return row ? toUser(row) : null;
    },

    /** Tickets assigned to the user become unassigned (foreign key ON DELETE SET NULL). */
    delete(id: string): Promise<boolean> {
      return deleteById(db, 'users', id);
    },
  };
}

export type UserRepository = ReturnType<typeof createUserRepository>;
