/**
 * loadSampleKnowledge: indexes the shipped sample articles once, marked isSample, when the documents table holds
 * no sample yet. Run at start in development (DEV_SAMPLE_DATA); never in production, where invented policies
 * must not reach real customers.
 */
import type { DocumentRepository } from '../../storage/index.js';
import type { KnowledgeBase, KnowledgeLogger } from '../service.js';
import { SAMPLE_DOCUMENTS, type SampleDocument } from './documents.js';

export { SAMPLE_DOCUMENTS, type SampleDocument } from './documents.js';

export interface SampleLoadResult {
  /** Why nothing was loaded, when nothing was. */
  skipped?: string;
  indexed: number;
  duplicates: number;
}

export async function loadSampleKnowledge(
  knowledge: KnowledgeBase,
  documents: DocumentRepository,
  logger: KnowledgeLogger,
  samples: readonly SampleDocument[] = SAMPLE_DOCUMENTS,
): Promise<SampleLoadResult> {
  const existing = await documents.list({ isSample: true, limit: 1 });
  if (existing.items.length > 0) return { skipped: 'sample documents are already loaded', indexed: 0, duplicates: 0 };
  const result: SampleLoadResult = { indexed: 0, duplicates: 0 };
  for (const sample of samples) {
    const { duplicate } = await knowledge.ingest(
      { title: sample.title, content: sample.content, format: 'markdown', metadata: { sampleId: sample.id } },
      { isSample: true },
    );
    if (duplicate) result.duplicates++;
    else result.indexed++;
  }
  logger.info({ ...result }, 'sample knowledge loaded (DEV_SAMPLE_DATA): replace it by uploading your own documents');
  return result;
}
