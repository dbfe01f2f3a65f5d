/** Turning what a customer wrote into what to search for. */
export { extractNeedSentences, extractSearchQuery, scrubIdentifiers, type ExtractOptions, type NeedSentence } from './extract.js';
export { planSearch, type PlanOptions, type SearchPlan } from './plan.js';
export { boostReferenced, referencesOf, type ReferenceBoostOptions } from './references.js';
