/**
 * collectFiles: the files an ingest run should read from the paths it was given. Folders are walked recursively
 * (hidden entries and symbolic links to folders skipped, so a loop or a .git folder is never entered) and only
 * files with an accepted extension are kept; a file named explicitly is always kept, so that refusing it
 * (with the reason) is the ingestion's job rather than a silent skip.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

export interface CollectedFiles {
  files: string[];
  /** Paths given that do not exist. */
  missing: string[];
  /** Files inside folders left out because of their extension. */
  skipped: number;
}

export async function collectFiles(paths: string[], extensions: readonly string[], maxFiles = 100_000): Promise<CollectedFiles> {
  const accepted = new Set(extensions.map((ext) => ext.toLowerCase()));
  const result: CollectedFiles = { files: [], missing: [], skipped: 0 };
  const seen = new Set<string>();
  const add = (file: string) => {
    const resolved = path.resolve(file);
    if (seen.has(resolved)) return;
    if (result.files.length >= maxFiles) throw new Error(`more than ${maxFiles} files to ingest: ingest the folders in smaller parts`);
    seen.add(resolved);
    result.files.push(file);
  };

  const walk = async (dir: string): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) {
        if (accepted.has(path.extname(entry.name).toLowerCase())) add(full);
        else result.skipped++;
      }
    }
  };

  for (const given of paths) {
    const stat = await fs.stat(given).catch(() => undefined);
    if (!stat) result.missing.push(given);
    else if (stat.isDirectory()) await walk(given);
    else add(given);
  }
  return result;
}
