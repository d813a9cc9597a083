import { describeKeyCoverage, type KeyCoverage, type StoredKeyring } from '@byok/crypto';
import { countKeysByFingerprint, storedKeysAfter, storedKeysSchema, type Orm } from '@byok/db';

/** What a full scan found: the truth from decrypting every row, next to what the fingerprints say. */
export interface StoredKeysScan {
  /** Rows each configured key opens, by position (the first key that opens a row counts it). */
  rowsByKeyIndex: number[];
  /** Rows no configured key opens. */
  undecryptable: number;
  /** Rows that open but whose binding tag belongs to another row (or are untagged when tags are required). */
  bindingMismatch: number;
  /** Rows that open and have no binding tag (legacy; accepted until tags are required). */
  untagged: number;
  /** Rows whose recorded fingerprint is missing or names another key than the one that opens them. */
  fingerprintNotRecorded: number;
  totalRows: number;
  /** What the stored fingerprints alone say (the status endpoint's cheap view). */
  coverage: KeyCoverage;
  /** A few ids of each kind of problem row, for the operator; never a token. */
  exampleIds: { undecryptable: string[]; bindingMismatch: string[] };
}

const EXAMPLES = 5;

/**
 * Decrypts every stored key once, page by page in id order, to count which configured key opens
 * it, which open with none, and which fail their binding. For `keys:verify`: a scan of 100,000 rows
 * takes seconds and holds one page in memory. Plaintexts are dropped as soon as they are read.
 * @throws Error when the database has not been migrated (no fingerprint column yet).
 */
export async function scanStoredKeys(deps: { orm: Orm; keyring: StoredKeyring; pageSize?: number }): Promise<StoredKeysScan> {
  const em = deps.orm.em.fork();
  if ((await storedKeysSchema(em)) !== 'current') throw new Error('user_provider_keys is missing or not migrated: run `npm run db:migrate` first');
  const scan: StoredKeysScan = {
    rowsByKeyIndex: deps.keyring.fingerprints.map(() => 0),
    undecryptable: 0,
    bindingMismatch: 0,
    untagged: 0,
    fingerprintNotRecorded: 0,
    totalRows: 0,
    coverage: describeKeyCoverage(await countKeysByFingerprint(em), deps.keyring.fingerprints),
    exampleIds: { undecryptable: [], bindingMismatch: [] },
  };
  for (let after: string | null = null; ; ) {
    const page = await storedKeysAfter(deps.orm.em.fork(), after, deps.pageSize ?? 1000);
    const last = page[page.length - 1];
    if (last === undefined) break;
    for (const row of page) {
      scan.totalRows += 1;
      const state = deps.keyring.inspect(row);
      if (state.status === 'undecryptable') {
        scan.undecryptable += 1;
        if (scan.exampleIds.undecryptable.length < EXAMPLES) scan.exampleIds.undecryptable.push(row.id);
        continue;
      }
      scan.rowsByKeyIndex[state.keyIndex] = (scan.rowsByKeyIndex[state.keyIndex] ?? 0) + 1;
      if (row.keyFingerprint !== deps.keyring.fingerprints[state.keyIndex]) scan.fingerprintNotRecorded += 1;
      if (state.status === 'binding_mismatch') {
        scan.bindingMismatch += 1;
        if (scan.exampleIds.bindingMismatch.length < EXAMPLES) scan.exampleIds.bindingMismatch.push(row.id);
      } else if (!state.tagged) {
        scan.untagged += 1;
      }
    }
    after = last.id;
  }
  return scan;
}
