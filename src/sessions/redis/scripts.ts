/**
 * Loads the Lua scripts in ./scripts once and registers them on a client with ioredis `defineCommand` (as BullMQ
 * does): ioredis sends EVALSHA and falls back to EVAL when Redis has lost the script (e.g. after a restart).
 *
 * A file is named `<name>-<number of keys>.lua`; a line `--- @include "<file>"` is replaced by
 * `scripts/includes/<file>.lua`, so helpers shared by several scripts are written once.
 *
 * The TypeScript build does not copy .lua files, so from dist/ the scripts are read from the source tree
 * (../../../src/sessions/redis/scripts) unless a build step has copied them next to the compiled module.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';

export const SCRIPT_NAMES = [
  'create',
  'load',
  'write',
  'delete',
  'lockAcquire',
  'lockExtend',
  'lockRelease',
  'cleanup',
  'reencrypt',
] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];

interface ScriptDefinition {
  /** The ioredis command name defined on the client (replies as strings)... */
  command: string;
  /** ...and its variant with replies as Buffers, which ioredis defines alongside. */
  bufferCommand: string;
  numberOfKeys: number;
  lua: string;
}

const CANDIDATE_DIRS = [new URL('./scripts/', import.meta.url), new URL('../../../src/sessions/redis/scripts/', import.meta.url)];
const INCLUDE = /^--- @include "([\w-]+)"\s*$/gm;

function scriptsDir(): string {
  for (const url of CANDIDATE_DIRS) {
    const dir = fileURLToPath(url);
    if (fs.existsSync(`${dir}write-5.lua`)) return dir;
  }
  throw new Error(`session Lua scripts not found in ${CANDIDATE_DIRS.map((u) => fileURLToPath(u)).join(' or ')}`);
}

function camelCase(name: string): string {
  return name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

function expandIncludes(lua: string, dir: string): string {
  const seen = new Set<string>();
  return lua.replace(INCLUDE, (_, name: string) => {
    if (seen.has(name)) return '';
    seen.add(name);
    return fs.readFileSync(`${dir}includes/${name}.lua`, 'utf8').trimEnd();
  });
}

let definitions: ReadonlyMap<ScriptName, ScriptDefinition> | undefined;

/** Every script, read and expanded once per process. */
export function scriptDefinitions(): ReadonlyMap<ScriptName, ScriptDefinition> {
  if (definitions) return definitions;
  const dir = scriptsDir();
  const found = new Map<ScriptName, ScriptDefinition>();
  for (const file of fs.readdirSync(dir)) {
    const match = /^([a-z-]+)-(\d+)\.lua$/.exec(file);
    if (!match) continue;
    const name = camelCase(match[1]!) as ScriptName;
    if (!SCRIPT_NAMES.includes(name)) throw new Error(`unexpected session script ${file}`);
    const command = `frontlineSession${name[0]!.toUpperCase()}${name.slice(1)}`;
    const lua = expandIncludes(fs.readFileSync(`${dir}${file}`, 'utf8'), dir);
    found.set(name, { command, bufferCommand: `${command}Buffer`, numberOfKeys: Number(match[2]), lua });
  }
  const missing = SCRIPT_NAMES.filter((name) => !found.has(name));
  if (missing.length > 0) throw new Error(`session scripts missing from ${dir}: ${missing.join(', ')}`);
  definitions = found;
  return found;
}

const defined = new WeakSet<Redis>();

/** Registers the scripts on `client` (once per client). */
export function defineScripts(client: Redis): void {
  if (defined.has(client)) return;
  for (const { command, numberOfKeys, lua } of scriptDefinitions().values()) {
    client.defineCommand(command, { numberOfKeys, lua });
  }
  defined.add(client);
}

export type ScriptArg = string | number | Buffer;
type ScriptCommand = (...args: ScriptArg[]) => Promise<unknown>;

/**
 * Runs a script: one round trip (EVALSHA). `buffers` asks for bulk strings as Buffers (the `<command>Buffer`
 * variant ioredis defines): for replies that carry stored values, which are bytes (see ../crypto.ts).
 */
export function runScript(
  client: Redis,
  name: ScriptName,
  keys: readonly string[],
  args: readonly ScriptArg[],
  buffers = false,
): Promise<unknown> {
  const definition = scriptDefinitions().get(name)!;
  if (keys.length !== definition.numberOfKeys) {
    throw new Error(`script ${name} takes ${definition.numberOfKeys} keys, got ${keys.length}`);
  }
  defineScripts(client);
  const command = (client as unknown as Record<string, ScriptCommand>)[buffers ? definition.bufferCommand : definition.command]!;
  return command.call(client, ...keys, ...args);
}
