/**
 * Seeded mutators over YAML and JSON text (manifests for `parseManifests`, the
 * CLI and static pods; JSON bodies for the hub's API). Growth is bounded by
 * `maxChars`, and alias "bombs" stay small on the page: what they expand to is
 * the parser's problem, which is the point.
 */
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { type Mutant, type Rng, type Weighted, oddValue, pathsOf, pickWeighted, setPath } from './mutate.js';

export interface TextMutatorContext {
  seeds: readonly string[];
  maxChars: number;
}

export type TextMutator = (input: string, rng: Rng, ctx: TextMutatorContext) => string;

const yamlSyntax = [':', '-', '[', ']', '{', '}', ',', '#', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`', '?', '<<', '\n', '\t', ' ', '---', '...', '\\'];
const unicode = ['\u0000', '\u0085', '\u00a0', '\u2028', '\u2029', '\u200b', '\u202e', '\ufeff', '\ud800', '\udfff', '😀', 'ß', 'İ', '\u0301', '\r', '\r\n', '\u001b[31m'];
const scalars = ['~', 'null', 'Null', 'true', 'yes', 'on', 'no', 'y', '0x1F', '0o777', '1e999', '-.inf', '.nan', '12:30:00', '2001-12-14t21:59:43.10-05:00', '[]', '{}', "''", '""', '!!binary aGVsbG8=', '!!set {a, b}', '!!omap [a: 1]', '!!timestamp 2001-12-14', '!!float 1', '!!str', '!custom x', '*undefinedAlias', '&a x', '|\n  block', '>-\n  folded', '9007199254740993', '-0', '0.1e-400'];

const lines = (s: string) => s.split('\n');

function replaceScalar(input: string, rng: Rng, make: (old: string) => string): string {
  const all = lines(input);
  const candidates = all.map((l, i) => [l, i] as const).filter(([l]) => /:\s*\S/.test(l) || /^\s*-\s+\S/.test(l));
  if (candidates.length === 0) return input;
  const [line, i] = rng.pick(candidates);
  const m = /^(\s*(?:-\s+)?(?:[^:]*:\s+)?)(.*)$/.exec(line)!;
  all[i] = `${m[1]}${make(m[2] ?? '')}`;
  return all.join('\n');
}

/** Text mutators: YAML-aware where it pays (scalars, anchors, tags, documents), blind otherwise. */
export const textMutators: Weighted<TextMutator> = [
  ['delete characters', 5, (input, rng) => {
    const at = rng.int(input.length);
    return input.slice(0, at) + input.slice(at + rng.size(12));
  }],
  ['insert syntax', 6, (input, rng) => {
    const at = rng.int(input.length + 1);
    return input.slice(0, at) + rng.pick(yamlSyntax) + input.slice(at);
  }],
  ['insert unicode', 3, (input, rng) => {
    const at = rng.int(input.length + 1);
    return input.slice(0, at) + rng.pick(unicode) + input.slice(at);
  }],
  ['scalar of another type', 8, (input, rng) => replaceScalar(input, rng, () => rng.pick(scalars))],
  ['long string', 2, (input, rng, ctx) => replaceScalar(input, rng, () => JSON.stringify(rng.pick(['x', 'é', '\\', '😀']).repeat(rng.size(ctx.maxChars / 2))))],
  ['huge number', 2, (input, rng) => replaceScalar(input, rng, () => rng.pick(['1', '9', '0.']) + '9'.repeat(rng.size(4_000)))],
  ['duplicate line', 3, (input, rng) => {
    const all = lines(input);
    const i = rng.int(all.length);
    all.splice(rng.int(all.length + 1), 0, all[i] ?? '');
    return all.join('\n');
  }],
  ['shift indentation', 3, (input, rng) => {
    const all = lines(input);
    const i = rng.int(all.length);
    all[i] = rng.chance(0.5) ? `  ${all[i]}` : (all[i] ?? '').replace(/^ {1,2}/, '');
    return all.join('\n');
  }],
  ['deep nesting', 2, (input, rng, ctx) => {
    const depth = Math.min(rng.size(20_000), Math.floor(ctx.maxChars / 8));
    const [open, close] = rng.pick([['[', ']'], ['{a: ', '}'], ['- ', '']] as const);
    const nested = open === '- ' ? Array.from({ length: Math.min(depth, 500) }, (_, i) => `${' '.repeat(i * 2)}- x`).join('\n') : open.repeat(depth) + '1' + close.repeat(rng.chance(0.8) ? depth : rng.int(depth));
    return replaceScalar(input, rng, () => (open === '- ' ? `\n${nested}` : nested));
  }],
  ['alias bomb', 2, (input, rng) => {
    // "Billion laughs": each level repeats the previous one `width` times; a few hundred bytes on the page.
    const levels = 2 + rng.int(8);
    const width = 2 + rng.int(9);
    const defs = [`x0: &a0 [${Array(width).fill('"lol"').join(', ')}]`];
    for (let l = 1; l < levels; l++) defs.push(`x${l}: &a${l} [${Array(width).fill(`*a${l - 1}`).join(', ')}]`);
    const where = rng.pick(['top', 'field']);
    if (where === 'top') return `${defs.join('\n')}\n${input}`;
    return replaceScalar(input, rng, () => `&z0 {${defs.map((d) => d.replace(/^x(\d+): /, 'y$1: ')).join(', ')}}`);
  }],
  ['alias to a mapping', 2, (input, rng) => replaceScalar(input, rng, () => rng.pick(['*a', '*undefined', '&a *a', '&a [*a]', '{<<: *a}', '!!merge <<']))],
  ['documents', 3, (input, rng) => rng.pick([`---\n${input}\n---\n${input}`, `%YAML 1.1\n---\n${input}`, `%YAML 9.9\n---\n${input}`, `${input}\n...\n`, `--- !!str\n${input}`, '---\n---\n', `${input}\n--- |\n  x`])],
  ['key of another type', 2, (input, rng) => {
    const all = lines(input);
    const i = rng.int(all.length);
    all[i] = (all[i] ?? '').replace(/^(\s*(?:-\s+)?)[^:\s][^:]*:/, `$1${rng.pick(['? [a, b]\n:', '{a: 1}:', '[x]:', '1:', 'null:', '"__proto__":', '<<:', '~:'])}`);
    return all.join('\n');
  }],
  ['splice two documents', 2, (input, rng, ctx) => {
    const other = rng.pick(ctx.seeds);
    return input.slice(0, rng.int(input.length + 1)) + other.slice(rng.int(other.length + 1));
  }],
  ['structure of another type', 8, (input, rng) => {
    if (input.length > 10_000) return input; // parsing a grown text again would only cost time
    try {
      return stringifyYaml(mutateValue(parseYaml(input), rng));
    } catch {
      return input; // a text the library cannot read back, or a value it cannot write: nothing to mutate
    }
  }],
];

/** A parsed document with one field swapped, removed, or given a sibling. */
export function mutateValue(value: unknown, rng: Rng): unknown {
  const paths = pathsOf(value);
  if (paths.length === 0) return oddJsonValue(rng);
  const path = rng.pick(paths);
  switch (rng.int(4)) {
    case 0:
      return setPath(value, path, undefined, true);
    case 1:
      return setPath(value, [...path.slice(0, -1), rng.pick(['extra', '__proto__', 'constructor', 'apiVersion', 'kind', 'status'])], oddJsonValue(rng));
    default:
      return setPath(value, path, oddJsonValue(rng));
  }
}

/** `oddValue`, restricted to what JSON and YAML can carry. */
function oddJsonValue(rng: Rng): unknown {
  const v = oddValue(rng);
  if (typeof v === 'bigint' || v === undefined || v instanceof Uint8Array || v instanceof Set || v instanceof Map || v instanceof Date) return String(v);
  return v;
}

/** One mutated text from one of `seeds`; sometimes two mutations stacked. Never longer than `maxChars` + a seed. */
export function mutateText(rng: Rng, ctx: TextMutatorContext): Mutant<string> {
  const seed = rng.pick(ctx.seeds);
  let [mutator, , mutate] = pickWeighted(rng, textMutators);
  let value = mutate(seed, rng, ctx);
  if (rng.chance(0.2)) {
    const [second, , again] = pickWeighted(rng, textMutators);
    value = again(value, rng, ctx);
    mutator += ` + ${second}`;
  }
  return { value: value.slice(0, ctx.maxChars + seed.length), mutator };
}

/** A JSON body for the hub's API: a structurally mutated object (valid JSON) or mutated JSON text. */
export function mutateJson(rng: Rng, seeds: readonly unknown[], maxChars: number): Mutant<string> {
  const seed = rng.pick(seeds);
  if (rng.chance(0.6)) {
    let value = mutateValue(seed, rng);
    let mutator = 'json structure';
    if (rng.chance(0.3)) {
      value = mutateValue(value, rng);
      mutator += ' x2';
    }
    return { value: JSON.stringify(value) ?? 'null', mutator };
  }
  const text = JSON.stringify(seed);
  const [mutator, , mutate] = pickWeighted(rng, textMutators.filter(([name]) => !['structure of another type', 'documents', 'alias bomb'].includes(name)));
  return { value: mutate(text, rng, { seeds: [text], maxChars }).slice(0, maxChars + text.length), mutator: `json text: ${mutator}` };
}
