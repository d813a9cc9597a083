/**
 * Money crosses the API in two forms: integer micro-units (`*_micro`, 1e-6 of a dollar or credit,
 * exact, for machines) and a decimal string with exactly six decimals (for people and
 * spreadsheets). Strings, not JSON numbers, so no client parses 0.1 + 0.2 into a rounding error.
 */

const MICRO_PER_UNIT = 1_000_000n;
const DECIMAL_AMOUNT = /^(\d{1,16})(?:\.(\d{1,6}))?$/;

/** `1234567` → `"1.234567"`, `-5` → `"-0.000005"`. */
export function microToDecimal(micro: number): string {
  const value = BigInt(Math.trunc(micro));
  const sign = value < 0n ? '-' : '';
  const abs = value < 0n ? -value : value;
  return `${sign}${abs / MICRO_PER_UNIT}.${(abs % MICRO_PER_UNIT).toString().padStart(6, '0')}`;
}

/**
 * Converts a non-negative decimal amount (a JSON number or its text) to micro-units exactly,
 * going through the decimal text so 0.1 becomes 100000 and not 99999. Returns null for anything
 * with more than six decimals, an exponent, a sign, or more than 16 integer digits.
 */
export function decimalToMicro(amount: number | string): number | null {
  const text = typeof amount === 'number' ? (Number.isFinite(amount) ? String(amount) : '') : amount.trim();
  const match = DECIMAL_AMOUNT.exec(text);
  if (!match) return null;
  const whole = BigInt(match[1] ?? '0');
  const fraction = BigInt((match[2] ?? '').padEnd(6, '0'));
  const micro = whole * MICRO_PER_UNIT + fraction;
  return micro <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(micro) : null;
}
