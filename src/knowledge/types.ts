/**
 * The shapes shared by the knowledge base's parts: what a parser produces, what the chunker cuts it into, what
 * the embedder and the index take and give back. Parsers, chunker, embedders and indexes each depend on this
 * file, never on each other.
 */

/** Where a piece of text sits in its source file, for citations. */
export interface SourceLocation {
  /** Heading path from the document root, e.g. ["Refunds", "Card payments"]. */
  sectionPath?: string[];
  /** 1-based page number (PDF). */
  page?: number;
  /** Sheet name (XLSX). */
  sheet?: string;
  /** 1-based first and last row of a table excerpt (XLSX, CSV). */
  rowStart?: number;
  rowEnd?: number;
}

/** One structural block of a parsed document, in reading order. */
export interface DocumentBlock {
  kind: 'heading' | 'paragraph' | 'list' | 'table' | 'code';
  text: string;
  /** Heading level 1..6 for `heading` blocks. */
  level?: number;
  location: SourceLocation;
}

export interface ParsedDocument {
  title: string;
  /** Format the content was parsed as. */
  format: 'pdf' | 'docx' | 'xlsx' | 'csv' | 'markdown' | 'text' | 'html';
  blocks: DocumentBlock[];
  metadata: Record<string, unknown>;
}

export interface Chunk {
  /** Stable within a document: `${documentId}:${ordinal}`. */
  id: string;
  documentId: string;
  ordinal: number;
  title: string;
  text: string;
  tokenCount: number;
  location: SourceLocation;
}

/** Turns text into vectors. Implementations: local ONNX model, OpenAI-compatible endpoint. */
export interface Embedder {
  readonly modelId: string;
  readonly dimension: number;
  /** Embeds passages for the index (normalised vectors). */
  embedDocuments(texts: string[]): Promise<Float32Array[]>;
  /** Embeds a search query (some models prefix queries differently from passages). */
  embedQuery(text: string): Promise<Float32Array>;
  /** Embeds several search queries at once (batched: the sub-queries of one long message). */
  embedQueries(texts: string[]): Promise<Float32Array[]>;
  /** Tokens of the embedding model's tokenizer, for chunk sizing. */
  countTokens(text: string): number;
  close(): Promise<void>;
}

export interface IndexedChunk extends Chunk {
  /** Absent when no embedding model is available (lexical-only mode). */
  vector?: Float32Array;
}

export interface SearchQuery {
  text: string;
  /** The query's embedding; absent in lexical-only mode. */
  vector?: Float32Array;
  k: number;
  /**
   * Results below this (0..1) are dropped: compared with `relevance` when the result has one (the query has a
   * vector and the chunk is stored with one), otherwise with the rank-based `score`.
   */
  minScore?: number;
}

export interface SearchResult {
  documentId: string;
  title: string;
  chunkId: string;
  /**
   * 0..1, higher is better: the fused, rank-based score (index/hybrid.ts). It orders results; it does not say
   * whether anything relevant was found (the best result of any query scores near 1).
   */
  score: number;
  /**
   * Absolute relevance, 0..1: the cosine similarity of the query's embedding and the chunk's (for a long text
   * searched as several sub-queries, the best of them), clamped at 0. Comparable across queries, so a threshold on
   * it means "nothing relevant". Absent without embeddings (lexical-only).
   */
  relevance?: number;
  snippet: string;
  location: SourceLocation;
  /** Per-signal ranks and scores, for debugging and tuning. */
  signals?: { lexicalRank?: number; lexicalScore?: number; denseRank?: number; denseScore?: number };
}

/** One ranked candidate from a single signal (lexical or dense), before fusion. */
export interface Candidate {
  chunkId: string;
  /** The signal's own score: BM25 (higher is better after sign flip) or cosine similarity. */
  score: number;
}

/**
 * A store of chunks searchable by words and by vectors. Implementations: SQLite (FTS5 + sqlite-vec) and
 * PostgreSQL (tsvector + vectors searched in process). Fusion of the two signals lives in one place
 * (index/hybrid.ts) and works over any implementation.
 */
export interface KnowledgeIndex {
  readonly kind: 'sqlite' | 'postgres';
  /** Adds every chunk of one document, all or nothing. */
  addDocumentChunks(documentId: string, chunks: IndexedChunk[]): Promise<void>;
  /** Removes every chunk and vector of a document; returns how many chunks went. */
  removeDocument(documentId: string): Promise<number>;
  lexicalSearch(text: string, limit: number): Promise<Candidate[]>;
  /** Exact nearest neighbours by cosine similarity; empty when no vectors are stored. */
  vectorSearch(vector: Float32Array, limit: number): Promise<Candidate[]>;
  /**
   * The cosine similarity of `vector` with each chunk's stored vector, in the order asked (undefined for a chunk
   * without one, or for every chunk when the index stores no vectors).
   */
  similarities(vector: Float32Array, chunkIds: string[]): Promise<(number | undefined)[]>;
  getChunks(chunkIds: string[]): Promise<Chunk[]>;
  countChunks(documentId?: string): Promise<number>;
  close(): Promise<void>;
}
