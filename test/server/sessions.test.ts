import { describe, it } from 'vitest';
import { sessionApiSuite, strictFingerprintCheck } from './sessions.suite.js';

sessionApiSuite('memory', () => ({ SESSION_STORE_TYPE: 'memory' }));

describe('strict fingerprinting (memory)', () => {
  it('refuses a request from another client with 403 SESSION_FINGERPRINT_MISMATCH', () => strictFingerprintCheck({}));
});
