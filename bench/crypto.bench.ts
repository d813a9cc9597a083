/**
 * Fernet encrypt/decrypt of a 73-character provider key: `@byok/crypto` against the npm `fernet`
 * package, measured in the same process so the ratio holds on a busy shared machine.
 */
import { createRequire } from 'node:module';
import { createKeyring, generateKey } from '@byok/crypto';
import type { Benchmark } from './run.js';

/** The part of the untyped npm `fernet` package used here (it ships no type declarations). */
interface NpmFernet {
  Secret: new (key: string) => object;
  Token: new (opts: { secret: object; token?: string; ttl: number }) => { encode(message: string): string; decode(): string };
}

const npmFernet = createRequire(import.meta.url)('fernet') as NpmFernet;
const PLAINTEXT = `sk-or-v1-${'fake'.repeat(16)}`;
const ROUNDS = 7;
const TARGET_ROUND_MS = 150;

interface Subject {
  encrypt(): string;
  decrypt(): string;
}

/**
 * Times `a` and `b` in alternating rounds, so load from other processes on this shared machine
 * hits both alike, and returns each one's median µs per op.
 */
function microsPerOp(a: () => unknown, b: () => unknown): [number, number] {
  const [batchA, batchB] = [calibrate(a), calibrate(b)];
  const samplesA: number[] = [];
  const samplesB: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    samplesA.push(timeBatch(a, batchA));
    samplesB.push(timeBatch(b, batchB));
  }
  return [median(samplesA), median(samplesB)];
}

function timeBatch(op: () => unknown, batch: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < batch; i++) op();
  return Number(process.hrtime.bigint() - start) / 1000 / batch;
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Warms `op` up (JIT, pools), then picks a batch size from a short timed probe. */
function calibrate(op: () => unknown): number {
  for (let i = 0; i < 2_000; i++) op();
  const start = performance.now();
  let count = 0;
  while (performance.now() - start < 50) {
    op();
    count++;
  }
  return Math.max(100, Math.round((count * TARGET_ROUND_MS) / 50));
}

function subjects(): { ours: Subject; npm: Subject } {
  const key = generateKey();
  const keyring = createKeyring([key]);
  const ourToken = keyring.encrypt(PLAINTEXT);
  const secret = new npmFernet.Secret(key);
  const npmToken = new npmFernet.Token({ secret, ttl: 0 }).encode(PLAINTEXT);
  const ours = { encrypt: () => keyring.encrypt(PLAINTEXT), decrypt: () => keyring.decrypt(ourToken) };
  const npm = {
    encrypt: () => new npmFernet.Token({ secret, ttl: 0 }).encode(PLAINTEXT),
    decrypt: () => new npmFernet.Token({ secret, token: npmToken, ttl: 0 }).decode(),
  };
  // Both sides must do real work on the same input, so check the results before timing anything.
  for (const subject of [ours, npm]) {
    if (subject.decrypt() !== PLAINTEXT) throw new Error('benchmark subject decrypted the wrong text');
  }
  return { ours, npm };
}

function row(op: string, ourMicros: number, npmMicros: number): string {
  const ops = (micros: number) => Math.round(1e6 / micros).toLocaleString('en-US');
  return `| ${op} | ${ops(ourMicros)} | ${ourMicros.toFixed(2)} | ${ops(npmMicros)} | ${npmMicros.toFixed(2)} | ${(npmMicros / ourMicros).toFixed(1)}× |`;
}

const benchmark: Benchmark = {
  title: `Fernet encrypt/decrypt of a ${PLAINTEXT.length}-char key: @byok/crypto vs npm fernet 0.4.0`,
  async run() {
    const { ours, npm } = subjects();
    const lines = [
      '| op | @byok/crypto ops/s | µs/op | npm fernet ops/s | µs/op | speed-up |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
    ];
    for (const op of ['encrypt', 'decrypt'] as const) {
      const [ourMicros, npmMicros] = microsPerOp(ours[op], npm[op]);
      lines.push(row(op, ourMicros, npmMicros));
    }
    lines.push('', `Median of ${ROUNDS} alternating rounds of ~${TARGET_ROUND_MS} ms each, after warm-up; speed-up = npm µs/op ÷ ours.`);
    return lines.join('\n');
  },
};

export default benchmark;
