import { describe, expect, it } from 'vitest';
import { byPriority, keyName, keysByProvider, labelProblem, planMove, sharesLoadWith } from './key-pool.js';
import { keyView } from './key-view.fixture.js';

const key = (id: string, priority: number, label = id) => keyView({ id, label, priority });

describe('byPriority and keysByProvider', () => {
  it('orders by priority, then label ignoring case, then id', () => {
    const keys = [key('c', 2, 'Backup'), key('a', 1, 'work'), key('b', 2, 'alpha')];
    expect(byPriority(keys).map((k) => k.id)).toEqual(['a', 'b', 'c']);
  });

  it('groups each provider in priority order', () => {
    const groups = keysByProvider([keyView({ id: 'g2', provider: 'groq', priority: 2 }), keyView({ id: 'o1' }), keyView({ id: 'g1', provider: 'groq', priority: 1 })]);
    expect(groups.get('groq')?.map((k) => k.id)).toEqual(['g1', 'g2']);
    expect(groups.get('openai')?.map((k) => k.id)).toEqual(['o1']);
  });
});

describe('planMove', () => {
  it('swaps the priorities of two keys that are alone at theirs, touching no other key', () => {
    const ordered = [key('a', 1), key('b', 5), key('c', 9)];
    expect(planMove(ordered, 'b', 'up')).toEqual([
      { id: 'b', priority: 1 },
      { id: 'a', priority: 5 },
    ]);
    expect(planMove(ordered, 'b', 'down')).toEqual([
      { id: 'b', priority: 9 },
      { id: 'c', priority: 5 },
    ]);
  });

  it('renumbers the list in the new order when a key of equal priority is involved', () => {
    // a and b take turns; moving b up must put it strictly first.
    const ordered = [key('a', 2), key('b', 2), key('c', 7)];
    expect(planMove(ordered, 'b', 'up')).toEqual([
      { id: 'b', priority: 1 },
      { id: 'c', priority: 3 },
    ]);
  });

  it('changes nothing at either end of the list, or for an unknown key', () => {
    const ordered = [key('a', 1), key('b', 2)];
    expect(planMove(ordered, 'a', 'up')).toEqual([]);
    expect(planMove(ordered, 'b', 'down')).toEqual([]);
    expect(planMove(ordered, 'zzz', 'up')).toEqual([]);
  });
});

describe('sharesLoadWith', () => {
  it('lists the other keys at the same priority', () => {
    const [a, b, c] = [key('a', 1), key('b', 1), key('c', 2)];
    expect(sharesLoadWith(a, [a, b, c]).map((k) => k.id)).toEqual(['b']);
    expect(sharesLoadWith(c, [a, b, c])).toEqual([]);
  });
});

describe('keyName', () => {
  it('keeps the one-key wording for a lone default key and names the label otherwise', () => {
    expect(keyName(keyView(), true)).toBe('OpenAI key');
    expect(keyName(keyView(), false)).toBe('OpenAI key “default”');
    expect(keyName(keyView({ label: 'work' }), true)).toBe('OpenAI key “work”');
  });
});

describe('labelProblem', () => {
  it('asks for a label, refuses one over 64 characters and one taken ignoring case', () => {
    expect(labelProblem('  ', [])).toMatch(/Give the key a label/);
    expect(labelProblem('x'.repeat(65), [])).toBe('A label has at most 64 characters.');
    expect(labelProblem('Work', ['default', 'work'])).toBe('You already have a key labelled “Work” for this provider.');
    expect(labelProblem(' backup ', ['default', 'work'])).toBeNull();
    expect(labelProblem('x'.repeat(64), [])).toBeNull();
  });
});
