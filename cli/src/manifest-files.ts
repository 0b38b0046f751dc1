import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CorralError, ErrorCode, type ManifestObject, parseManifests } from '../../protocol/src/index.js';

/** File names `-f DIR` reads, as kubectl does: YAML and JSON, not recursing. */
const MANIFEST_FILE = /\.(ya?ml|json)$/;

export interface ManifestSources {
  /** Reads standard input (for `-f -`). */
  readStdin: () => Promise<string>;
}

/** The files `-f PATH` stands for, sorted within a directory; `-` is standard input. */
async function expand(path: string): Promise<string[]> {
  if (path === '-') return ['-'];
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new CorralError(ErrorCode.ManifestInvalid, `${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (error as Error).message}`, { cause: error });
  }
  if (!info.isDirectory()) return [path];
  const names = (await readdir(path)).filter((n) => MANIFEST_FILE.test(n)).sort();
  return names.map((n) => join(path, n));
}

/**
 * Every object of every manifest `paths` names, validated; `errors` holds one per bad
 * document (`deploy.yaml doc 2: spec.template.containers[0].image: …`), and callers apply
 * nothing when there is any. Unreadable paths throw.
 */
export async function readManifests(paths: readonly string[], sources: ManifestSources): Promise<{ objects: ManifestObject[]; errors: CorralError[] }> {
  const objects: ManifestObject[] = [];
  const errors: CorralError[] = [];
  for (const path of paths) {
    for (const file of await expand(path)) {
      const text = file === '-' ? await sources.readStdin() : await readFile(file, 'utf8');
      const parsed = parseManifests(text, file === '-' ? '<stdin>' : file);
      objects.push(...parsed.objects);
      errors.push(...parsed.errors);
    }
  }
  if (objects.length === 0 && errors.length === 0) errors.push(new CorralError(ErrorCode.ManifestInvalid, `no objects found in ${paths.join(', ')}`));
  return { objects, errors };
}
