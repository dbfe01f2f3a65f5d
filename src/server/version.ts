/** The package version, read once from package.json (found from both src/ under tsx and dist/ when built). */
import fs from 'node:fs';

function readPackageVersion(): string {
  for (const relative of ['../../package.json', '../package.json']) {
    const file = new URL(relative, import.meta.url);
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'frontline' && pkg.version) return pkg.version;
    }
  }
  return '0.0.0';
}

export const PACKAGE_VERSION = readPackageVersion();
