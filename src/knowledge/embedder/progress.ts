/**
 * The first-use download of a model from the hub can take a while: show a progress bar on stderr when it is a
 * terminal, and log one line per file otherwise (servers under a process manager have no terminal).
 */
import type { ProgressMessage } from './protocol.js';

/** The slice of a pino logger the embedders use (a plain object works in tests). */
export interface EmbedderLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug?(obj: object, msg?: string): void;
}

const MB = 1024 * 1024;

export function progressBar(
  modelId: string,
  logger?: EmbedderLogger,
  stream: NodeJS.WriteStream = process.stderr,
): (progress: ProgressMessage) => void {
  const started = new Set<string>();
  let lastDraw = 0;
  return (p) => {
    const file = p.file ?? '?';
    if (!started.has(file)) {
      started.add(file);
      logger?.info({ model: modelId, file }, 'downloading embedding model file');
    }
    if (p.status !== 'progress' || !stream.isTTY) return;
    const now = Date.now();
    const done = (p.progress ?? 0) >= 100;
    if (!done && now - lastDraw < 100) return;
    lastDraw = now;
    const pct = Math.max(0, Math.min(100, p.progress ?? 0));
    const width = 30;
    const filled = Math.round((pct / 100) * width);
    const sizes = p.total ? ` ${((p.loaded ?? 0) / MB).toFixed(1)}/${(p.total / MB).toFixed(1)} MB` : '';
    stream.write(
      `\r${modelId} ${file} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${pct.toFixed(0)}%${sizes}` +
        (done ? '\n' : ''),
    );
  };
}
