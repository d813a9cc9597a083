import type { TurnCounters, TurnGroup } from '../decision/route-decision.types.js';

/**
 * The turns of one routes entry's runs of equal-priority keys (`Routes.turns`): a counter per run,
 * moved when one of the run's keys comes up for a request (`advance`), so a user's OpenAI keys
 * alternate whatever the user's Anthropic requests, refusals or other runs do. Kept modulo the
 * run's size (the remainder is all the rotation reads); a run is only ever one entry's, so the
 * counters go with the entry when it is reloaded.
 */
export class RunTurns implements TurnCounters {
  readonly #turns = new Map<TurnGroup, number>();

  of(group: TurnGroup): number {
    return this.#turns.get(group) ?? 0;
  }

  advance(group: TurnGroup): void {
    this.#turns.set(group, (this.of(group) + 1) % group.size);
  }
}
