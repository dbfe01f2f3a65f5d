/** Turning what a customer wrote into what to search for. */
export { extractSearchQuery, scrubIdentifiers, type ExtractOptions } from './extract.js';
