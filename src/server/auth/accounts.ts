/**
 * Agent and admin accounts, as the CLI (`frontline users …`) and the users API make them: the password is hashed
 * here and only here; one left out is generated and handed back once, to pass on to the colleague.
 */
import { ConflictError } from '../../errors.js';
import type { User, UserPatch, UserRepository, UserRole } from '../../storage/index.js';
import { generatePassword, hashPassword } from './passwords.js';

export interface NewAccount {
  email: string;
  displayName: string;
  role: UserRole;
  /** Left out: one is generated (and returned). */
  password?: string;
}

export async function createAccount(users: UserRepository, account: NewAccount): Promise<{ user: User; generatedPassword?: string }> {
  const generatedPassword = account.password === undefined ? generatePassword() : undefined;
  const passwordHash = await hashPassword(account.password ?? generatedPassword!);
  const user = await users.create({ email: account.email, displayName: account.displayName, role: account.role, passwordHash });
  return generatedPassword === undefined ? { user } : { user, generatedPassword };
}

export interface AccountChanges {
  displayName?: string;
  role?: UserRole;
  disabled?: boolean;
  password?: string;
}

/**
 * Null when there is no such account. Refuses (ConflictError) to disable or demote the last active admin: nobody
 * could manage accounts through the API any more (the CLI and the admin key still could).
 */
export async function updateAccount(users: UserRepository, id: string, changes: AccountChanges): Promise<User | null> {
  if (changes.disabled === true || changes.role === 'agent') {
    const target = await users.get(id);
    if (target?.role === 'admin' && !target.disabled && (await users.countActive('admin')) <= 1) {
      throw new ConflictError('This is the last active admin: make another admin first');
    }
  }
  const { password, ...rest } = changes;
  const patch: UserPatch = { ...rest, ...(password !== undefined ? { passwordHash: await hashPassword(password) } : {}) };
  return users.update(id, patch);
}
