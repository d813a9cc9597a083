import type { StoredKeyring } from '@byok/crypto';
import { emptyRotationCounts, type KeyRewrite, type RotationCounts, type StoredKeyRow } from '@byok/db';

/**
 * What to write for one page of stored keys. `rotate` moves every token under the first key;
 * `record` leaves tokens where they are and only writes missing fingerprints and tags. Either way
 * a row whose tag belongs to another row is never re-tagged (that would launder a moved token),
 * and a row no key opens is never touched.
 */
export type RewriteMode = 'rotate' | 'record';

/** A planned write and what it counts as once it lands. */
export interface PlannedRewrite extends KeyRewrite {
  kind: 'rotated' | 'recorded';
}

export interface RewritePlan {
  rewrites: PlannedRewrite[];
  /** Counts of rows that need no write (current, undecryptable, mismatched); writes are counted once applied. */
  counts: RotationCounts;
  /** Ids to log: rows left alone because no key opens them or their binding does not match. */
  problems: Array<{ id: string; problem: 'undecryptable' | 'binding_mismatch' }>;
}

/**
 * What a row without a binding tag is: `legacy` (written before tags; bind it where it is) until
 * the binding backfill has completed once, `moved` afterwards (every row was bound by then, so a
 * missing tag was cleared to make a moved token pass: never bind it, refuse it like a mismatch).
 */
export type UntaggedRows = 'legacy' | 'moved';

export function planKeyRewrites(keyring: StoredKeyring, rows: readonly StoredKeyRow[], mode: RewriteMode, untagged: UntaggedRows): RewritePlan {
  const plan: RewritePlan = { rewrites: [], counts: emptyRotationCounts(), problems: [] };
  for (const row of rows) {
    plan.counts.scanned += 1;
    const inspected = keyring.inspect(row);
    const state = inspected.status === 'ok' && !inspected.tagged && untagged === 'moved' ? { status: 'binding_mismatch' as const, keyIndex: inspected.keyIndex } : inspected;
    if (state.status !== 'ok') {
      if (state.status === 'undecryptable') plan.counts.undecryptable += 1;
      else plan.counts.bindingMismatch += 1;
      plan.problems.push({ id: row.id, problem: state.status });
      continue;
    }
    if (mode === 'rotate' && state.keyIndex > 0) {
      const rotated = keyring.rotateBound(row, row.token);
      plan.rewrites.push({ kind: 'rotated', id: row.id, expectedToken: row.token, token: rotated.token, bindingTag: rotated.bindingTag, keyFingerprint: rotated.keyFingerprint });
      continue;
    }
    if (state.tagged && row.keyFingerprint === keyring.fingerprints[state.keyIndex]) {
      plan.counts.alreadyCurrent += 1;
      continue;
    }
    // Untagged (legacy) or its fingerprint was never recorded: bind it where it is.
    const record = keyring.bind(row, row.token);
    plan.rewrites.push({ kind: 'recorded', id: row.id, expectedToken: row.token, token: row.token, ...record });
  }
  return plan;
}

/** Adds the writes that landed to the plan's counts; the others lost to a concurrent change. */
export function countApplied(plan: RewritePlan, written: ReadonlySet<string>): RotationCounts {
  const counts = { ...plan.counts };
  for (const rewrite of plan.rewrites) {
    if (!written.has(rewrite.id)) counts.conflicts += 1;
    else if (rewrite.kind === 'rotated') counts.rotated += 1;
    else counts.recorded += 1;
  }
  return counts;
}

/** Sums two sets of counts. */
export function addCounts(a: RotationCounts, b: RotationCounts): RotationCounts {
  return {
    scanned: a.scanned + b.scanned,
    rotated: a.rotated + b.rotated,
    recorded: a.recorded + b.recorded,
    alreadyCurrent: a.alreadyCurrent + b.alreadyCurrent,
    undecryptable: a.undecryptable + b.undecryptable,
    bindingMismatch: a.bindingMismatch + b.bindingMismatch,
    conflicts: a.conflicts + b.conflicts,
  };
}
