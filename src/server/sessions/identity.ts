/**
 * Customer identity verification, as Intercom and Chatwoot do it: a session may carry a customer id (which
 * links it to that customer's remembered facts and earlier conversations) only when the business's own
 * backend vouches for it with `customerSignature = hex(HMAC-SHA256(CUSTOMER_IDENTITY_SECRET, customerId))`.
 * Without this, anyone could claim another customer's id and read what the agent remembers about them.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { BadRequestError, ForbiddenError } from '../../errors.js';

export function signCustomerId(secret: string, customerId: string): string {
  return createHmac('sha256', secret).update(customerId, 'utf8').digest('hex');
}

/** Returns the verified customer id, or undefined when none was claimed; throws when a claim is not proven. */
export function verifyCustomerClaim(
  secret: string | undefined,
  claim: { customerId?: string; customerSignature?: string },
): string | undefined {
  if (claim.customerId === undefined) return undefined;
  if (!secret) {
    throw new BadRequestError('customerId is not accepted: set CUSTOMER_IDENTITY_SECRET and sign customer ids on your backend');
  }
  const expected = Buffer.from(signCustomerId(secret, claim.customerId), 'hex');
  const given = Buffer.from(claim.customerSignature ?? '', 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new ForbiddenError('customerSignature does not match customerId');
  }
  return claim.customerId;
}
