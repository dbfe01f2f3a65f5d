/**
 * Passwords of agent accounts: argon2id (OWASP's first choice) through @node-rs/argon2 with its defaults
 * (19 MiB, 2 passes), stored as PHC strings that carry their own salt and parameters, so stronger settings later
 * still verify old hashes. A password is never stored, logged or returned.
 */
import { hash, verify } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';
import { ValidationError } from '../../errors.js';

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

export function checkPasswordPolicy(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    throw new ValidationError(`a password must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters long`);
  }
}

export async function hashPassword(password: string): Promise<string> {
  checkPasswordPolicy(password);
  return hash(password);
}

/** False for a wrong password and for anything that is not a hash this module made. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  return verify(passwordHash, password).catch(() => false);
}

/** Verified against when the e-mail is unknown, so that a login takes as long whether or not the account exists. */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  return (decoy ??= hash(randomBytes(32).toString('base64url')));
}

/** A password to hand to a new colleague: 24 characters of base64url (144 random bits). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
