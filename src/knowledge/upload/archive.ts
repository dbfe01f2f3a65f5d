/**
 * Zip-bomb defence for DOCX and XLSX, which are ZIP archives whose parsers (mammoth, exceljs: both JSZip) inflate
 * entries in memory without limits. Before any parser sees the bytes: (1) the central directory's declared sizes
 * are summed and capped, with the entry count and compression ratio; (2) every entry is then stream-inflated once,
 * discarding the output, with yauzl's validateEntrySizes failing the moment an entry yields more (or less) than it
 * declared. Declared sizes can lie; after (2) they are proven, so what the parsers inflate later is bounded too.
 */
import yauzl from 'yauzl';
import { ArchiveTooLargeError, EncryptedFileError, MalformedFileError } from '../../errors.js';

export interface ArchiveLimits {
  /** Sum of every entry's uncompressed size. */
  maxTotalUncompressed: number;
  maxEntries: number;
  /** Uncompressed/compressed, for entries above `ratioFloor` bytes (tiny entries compress absurdly and harmlessly). */
  maxRatio: number;
  ratioFloor: number;
}

export interface ArchiveSummary {
  entries: number;
  compressedBytes: number;
  uncompressedBytes: number;
}

const MB = 1024 * 1024;
/** However large MAX_FILE_SIZE is, no document may unpack to more than this. */
export const MAX_UNCOMPRESSED_CEILING = 200 * MB;

/** The limits for uploads of at most `maxFileSize` bytes: 20x the upload size or 200 MB, whichever is smaller. */
export function archiveLimitsFor(maxFileSize: number): ArchiveLimits {
  return {
    maxTotalUncompressed: Math.min(20 * maxFileSize, MAX_UNCOMPRESSED_CEILING),
    maxEntries: 10_000,
    // Word and Excel XML compresses 5-30x; 200x is a run of identical bytes.
    maxRatio: 200,
    ratioFloor: 4 * MB,
  };
}

const formatMb = (bytes: number) => `${(bytes / MB).toFixed(bytes < 10 * MB ? 1 : 0)} MB`;

function tooLarge(filename: string, reason: string, details: Record<string, unknown>): ArchiveTooLargeError {
  return new ArchiveTooLargeError(
    `"${filename}" was refused: ${reason}. It may be a "zip bomb" or an unusually large document; ` +
      'if it is genuine, split it into smaller files and upload them separately.',
    { details: { filename, ...details } },
  );
}

function malformed(filename: string, cause: unknown): MalformedFileError {
  return new MalformedFileError(
    `"${filename}" is damaged: its ZIP container (which .docx and .xlsx files are) cannot be read. ` +
      'Open it in the application that made it, save it again, and re-upload it.',
    { cause, details: { filename, reason: cause instanceof Error ? cause.message : String(cause) } },
  );
}

/** Throws ArchiveTooLargeError, EncryptedFileError or MalformedFileError; returns the archive's proven sizes. */
export async function assertSafeArchive(buffer: Buffer, filename: string, limits: ArchiveLimits): Promise<ArchiveSummary> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromBufferPromise(buffer, { lazyEntries: true, autoClose: false, validateEntrySizes: true, decodeStrings: true, strictFileNames: false });
  } catch (error) {
    throw malformed(filename, error);
  }
  try {
    if (zip.entryCount > limits.maxEntries) {
      throw tooLarge(filename, `it holds ${zip.entryCount} files, more than the ${limits.maxEntries} allowed`, { entries: zip.entryCount });
    }
    // Pass 1: the central directory's declared sizes, before inflating a single byte.
    const entries: yauzl.Entry[] = [];
    let declared = 0;
    let compressed = 0;
    try {
      for await (const entry of zip.eachEntry()) {
        if (entry.fileName.endsWith('/')) continue;
        if (entry.isEncrypted()) {
          throw new EncryptedFileError(`"${filename}" is a password-protected archive. Remove the protection and upload it again.`, {
            details: { filename },
          });
        }
        declared += entry.uncompressedSize;
        compressed += entry.compressedSize;
        if (declared > limits.maxTotalUncompressed) {
          throw tooLarge(filename, `it would expand to more than ${formatMb(limits.maxTotalUncompressed)} when unpacked`, {
            declaredBytes: declared,
            limitBytes: limits.maxTotalUncompressed,
          });
        }
        const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
        if (entry.uncompressedSize > limits.ratioFloor && ratio > limits.maxRatio) {
          throw tooLarge(filename, `part "${entry.fileName}" expands ${Math.round(ratio)} times when unpacked (at most ${limits.maxRatio} is allowed)`, {
            entry: entry.fileName,
            ratio,
          });
        }
        entries.push(entry);
      }
    } catch (error) {
      if (error instanceof ArchiveTooLargeError || error instanceof EncryptedFileError) throw error;
      throw malformed(filename, error);
    }
    // Pass 2: inflate for real and count, so a lying size is caught here and not inside a parser.
    let inflated = 0;
    for (const entry of entries) {
      try {
        const stream = await zip.openReadStreamPromise(entry);
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          inflated += chunk.length;
          if (inflated > limits.maxTotalUncompressed) {
            stream.destroy();
            throw tooLarge(filename, `it expands to more than ${formatMb(limits.maxTotalUncompressed)} when unpacked`, { limitBytes: limits.maxTotalUncompressed });
          }
        }
      } catch (error) {
        if (error instanceof ArchiveTooLargeError) throw error;
        // yauzl's validateEntrySizes: the entry holds more than its header declares.
        if (error instanceof Error && /too many bytes/i.test(error.message)) {
          throw tooLarge(filename, `part "${entry.fileName}" holds more data than its header declares`, { entry: entry.fileName });
        }
        throw malformed(filename, error);
      }
    }
    return { entries: entries.length, compressedBytes: compressed, uncompressedBytes: inflated };
  } finally {
    zip.close();
  }
}
