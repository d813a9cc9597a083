import type { KeyView } from '../api/types.js';

/** The label a key gets when none is given (what a seed client's save replaces). */
export const DEFAULT_LABEL = 'default';
/** The API's longest label. */
export const LABEL_MAX_LENGTH = 64;

/** A provider's keys in the order the proxy tries them: priority, then label, then id. */
export function byPriority(keys: Iterable<KeyView>): KeyView[] {
  return [...keys].sort(
    (a, b) => a.priority - b.priority || a.label.localeCompare(b.label, undefined, { sensitivity: 'base' }) || a.id.localeCompare(b.id),
  );
}

/** Every provider's keys, each list in priority order. */
export function keysByProvider(keys: Iterable<KeyView>): Map<string, KeyView[]> {
  const groups = new Map<string, KeyView[]>();
  for (const key of byPriority(keys)) groups.set(key.provider, [...(groups.get(key.provider) ?? []), key]);
  return groups;
}

/**
 * How buttons and dialogs name a key: "Groq key" while it is the provider's only key and keeps
 * the default label (the page a one-key user knew), "Groq key “work”" otherwise.
 */
export function keyName(key: KeyView, alone: boolean): string {
  return alone && key.label === DEFAULT_LABEL ? `${key.provider_name} key` : `${key.provider_name} key “${key.label}”`;
}

/** Why a label cannot be used, or null when it can (the server checks again). */
export function labelProblem(label: string, taken: readonly string[]): string | null {
  const trimmed = label.trim();
  if (trimmed === '') return 'Give the key a label, such as “work” or “backup”.';
  if (trimmed.length > LABEL_MAX_LENGTH) return `A label has at most ${LABEL_MAX_LENGTH} characters.`;
  const lower = trimmed.toLowerCase();
  if (taken.some((t) => t.toLowerCase() === lower)) return `You already have a key labelled “${trimmed}” for this provider.`;
  return null;
}

export type MoveDirection = 'up' | 'down';

export interface PriorityChange {
  id: string;
  priority: number;
}

/**
 * The priority changes that move one key a place up or down in its provider's list (`ordered`,
 * as byPriority sorts it). Two keys alone at their priorities swap them, so every other key
 * keeps its own. Keys of equal priority share the load and have no order between them, so a
 * move that involves one renumbers the list 1, 2, 3… in the new order, the only way to put one
 * key strictly before another. Empty when the key is already at that end.
 */
export function planMove(ordered: readonly KeyView[], id: string, direction: MoveDirection): PriorityChange[] {
  const from = ordered.findIndex((k) => k.id === id);
  const to = direction === 'up' ? from - 1 : from + 1;
  const moving = ordered[from];
  const neighbour = ordered[to];
  if (!moving || !neighbour) return [];
  const sharesPriority = (key: KeyView) => ordered.some((k) => k.id !== key.id && k.priority === key.priority);
  if (!sharesPriority(moving) && !sharesPriority(neighbour)) {
    return [
      { id: moving.id, priority: neighbour.priority },
      { id: neighbour.id, priority: moving.priority },
    ];
  }
  const next = [...ordered];
  next[from] = neighbour;
  next[to] = moving;
  return next.flatMap((key, index) => (key.priority === index + 1 ? [] : [{ id: key.id, priority: index + 1 }]));
}

/** The other keys of the provider sharing this key's priority (they take turns with it). */
export function sharesLoadWith(key: KeyView, ordered: readonly KeyView[]): KeyView[] {
  return ordered.filter((k) => k.id !== key.id && k.priority === key.priority);
}
