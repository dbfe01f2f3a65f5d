/** Customer memory: rule-based fact extraction, the per-customer store over it, and the secrets it never keeps. */
export { cleanValue, extractFacts, LANGUAGES, MAX_TEXT_LENGTH, MAX_VALUE_LENGTH, type ExtractedFact } from './extract.js';
export { CustomerMemory, MAX_SUBJECT_LENGTH, SESSION_SUBJECT_PREFIX, type MemorySettings } from './memory.js';
export { containsSensitive, luhnValid, REDACTED, redactSensitive } from './sensitive.js';
export type { CustomerFact } from '../../storage/index.js';
