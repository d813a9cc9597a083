/**
 * The statement recorded for a Redis command: its name and its keys, never its values. The
 * default serializer keeps every argument of EVALSHA, and BullMQ runs nearly everything as
 * EVALSHA with the job (msgpack) among the arguments: spans would carry payloads as binary noise.
 * Keys say what was touched (`byok:key-tests:wait`); values stay out.
 */
const MAX_ARGUMENT_LENGTH = 120;

/** Commands whose first argument is a credential, not a key. */
const CREDENTIAL_COMMANDS = /^(auth|hello|migrate)$/i;

export function redisStatement(command: string, args: readonly unknown[]): string {
  if (CREDENTIAL_COMMANDS.test(command)) return withRest(command, [], args.length);
  if (/^eval/i.test(command)) {
    // EVAL / EVALSHA script numkeys key… arg…
    const keyCount = Number(args[1]);
    const keys = Number.isInteger(keyCount) && keyCount > 0 ? args.slice(2, 2 + keyCount) : [];
    const shown = [args[0], args[1], ...keys].filter((arg) => arg !== undefined);
    return withRest(command, shown, args.length);
  }
  return withRest(command, args.slice(0, 1), args.length);
}

function withRest(command: string, shown: readonly unknown[], total: number): string {
  const parts = [command, ...shown.map(printable)];
  if (total > shown.length) parts.push(`[${total - shown.length} other arguments]`);
  return parts.join(' ');
}

function printable(arg: unknown): string {
  if (typeof arg === 'number') return String(arg);
  if (typeof arg === 'string') return arg.length <= MAX_ARGUMENT_LENGTH ? arg : `${arg.slice(0, MAX_ARGUMENT_LENGTH)}…`;
  return '[binary]';
}
