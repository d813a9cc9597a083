import { parseArgs } from 'node:util';

/** Options of `npm start -- [options]`. */
export interface StandaloneArgs {
  /** Start the mock providers in this process and send every provider call to them. */
  mockProviders: boolean;
  help: boolean;
}

export const STANDALONE_USAGE = `Usage: npm start [-- --mock-providers]

  --mock-providers   offline demo: starts the mock providers in this process, points all eight
                     PROVIDER_<ID>_BASE_URL at them and prints their fake keys (valid, invalid,
                     no credit, rate-limited, slow). No call leaves the machine.

Settings come from the environment, and from .env in the current folder when it exists.`;

/** Parses the command line; throws a TypeError naming an unknown option. */
export function parseStandaloneArgs(argv: readonly string[]): StandaloneArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: { 'mock-providers': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    strict: true,
    allowPositionals: false,
  });
  return { mockProviders: values['mock-providers'], help: values.help };
}
