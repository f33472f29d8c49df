import { formatPath } from '../../core/format-path.js';
import type { SideText } from './canonical.js';
import { isPlainObject } from './is-plain-object.js';

type JsonObject = Record<string, unknown>;
type Path = readonly (string | number)[];

/** A structured field (citations, annotations, a server-tool result) with more strings than this is not read: it is withheld instead. */
const maxLeaves = 256;
const maxDepth = 8;

/** Whether any string sits inside `value`: a value without one carries nothing the model wrote as text. */
export function holdsText(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value !== '';
  if (typeof value !== 'object' || value === null) return false;
  // Too deep to look through: assume the worst.
  if (depth > maxDepth) return true;
  return (Array.isArray(value) ? value : Object.values(value)).some((item) => holdsText(item, depth + 1));
}

/**
 * Every string inside `value`, each with its path (under `path`), except under the keys in `skip`
 * (types, ids, encrypted payloads); `undefined` when there are too many, or too deep, to check.
 */
export function stringLeaves(value: unknown, options: { path: Path; skip?: ReadonlySet<string> }): SideText[] | undefined {
  const leaves: SideText[] = [];
  const visit = (item: unknown, path: Path): boolean => {
    if (typeof item === 'string') {
      leaves.push({ path, text: item });
      return leaves.length <= maxLeaves;
    }
    if (typeof item !== 'object' || item === null) return true;
    if (path.length - options.path.length > maxDepth) return false;
    for (const [key, child] of Array.isArray(item) ? item.entries() : Object.entries(item)) {
      if (typeof key === 'string' && options.skip?.has(key)) continue;
      if (!visit(child, [...path, key])) return false;
    }
    return true;
  };
  return visit(value, options.path) ? leaves : undefined;
}

/** The side texts by printed path, to look one up. */
export function sideTextsByPath(texts: readonly SideText[] | undefined): Map<string, string> {
  return new Map((texts ?? []).map((side) => [formatPath(side.path), side.text]));
}

/** Whether two lists hold the same texts at the same paths. */
export function sameSideTexts(a: readonly SideText[] | undefined, b: readonly SideText[] | undefined): boolean {
  const left = a ?? [];
  const right = b ?? [];
  return left.length === right.length && left.every((side, index) => side.text === right[index]?.text && formatPath(side.path) === formatPath(right[index]?.path ?? []));
}

/**
 * The allow-list of a rendered object: the keys in `known` are left to the caller (it sets them
 * from what was checked); any other key is kept only when it holds no text (ids, numbers, flags,
 * nulls). A key holding text nobody checked is removed, and reported to `onRemoved` by its path.
 */
export function keepUnknownWithoutText(original: JsonObject, options: { known: ReadonlySet<string>; path: Path; onRemoved: (field: string) => void }): JsonObject {
  const kept: JsonObject = {};
  for (const [key, value] of Object.entries(original)) {
    if (options.known.has(key)) continue;
    if (holdsText(value)) options.onRemoved(formatPath([...options.path, key]));
    else kept[key] = structuredClone(value);
  }
  return kept;
}

/** A copy of `value` with the string at `path` replaced (a path that does not lead to a string changes nothing). */
export function replaceText(value: unknown, path: Path, text: string): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return typeof value === 'string' ? text : value;
  if (Array.isArray(value) && typeof head === 'number') return value.map((item, index) => (index === head ? replaceText(item, rest, text) : item));
  if (isPlainObject(value) && typeof head === 'string' && head in value) return { ...value, [head]: replaceText(value[head], rest, text) };
  return value;
}
