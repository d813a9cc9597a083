import { Readable } from 'node:stream';
import type { Principal } from '@byok/auth';
import { auditOrderFor, auditPositionOf, listAuditPage, type AuditFilter, type AuditPosition, type AuditRecord, type EntityManager } from '@byok/db';
import { decodeAuditCursor, encodeAuditCursor } from './audit-cursor.js';
import { AUDIT_CSV_HEADER, auditCsvLine, auditJsonLine, toAuditView } from './audit-view.js';
import type { AuditPageView } from './audit.schemas.js';

export interface AuditServiceDependencies {
  /** Rows an export reads per query: bounds its memory whatever the export's size. */
  exportPageSize: number;
}

export type AuditService = ReturnType<typeof createAuditService>;

export interface AuditRead {
  viewer: Principal;
  /** Who may be read is decided by the caller (the route); this service only narrows. */
  filter: AuditFilter;
  cursor?: string;
}

/** Audit reads: keyset pages for the UI, streamed CSV / JSON-lines exports for downloads. */
export function createAuditService(deps: AuditServiceDependencies) {
  return {
    /** One page, newest first, and the cursor of the next one (null on the last page). */
    async page(em: EntityManager, read: AuditRead, limit: number): Promise<AuditPageView> {
      const order = auditOrderFor(read.filter);
      const after = read.cursor !== undefined ? decodeAuditCursor(read.cursor, order) : undefined;
      // One row more than asked tells whether another page exists without a count query.
      const rows = await listAuditPage(em, read.filter, { order, ...(after ? { after } : {}), limit: limit + 1 });
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      return {
        items: items.map((r) => toAuditView(r, read.viewer)),
        next_cursor: rows.length > limit && last ? encodeAuditCursor(auditPositionOf(last, order)) : null,
      };
    },

    /**
     * Every matching record (up to `maxRecords`) as CSV or JSON lines, streamed page by page on
     * the same keyset as `page`, so memory stays flat and records inserted meanwhile (above the
     * start) are not mixed in. The first page is read before returning: a database that is down
     * gives the caller a clean 503 instead of a cut-off 200.
     */
    async export(em: EntityManager, read: AuditRead, format: 'csv' | 'jsonl', maxRecords: number | undefined): Promise<Readable> {
      const order = auditOrderFor(read.filter);
      const start = read.cursor !== undefined ? decodeAuditCursor(read.cursor, order) : undefined;
      let remaining = maxRecords ?? Number.POSITIVE_INFINITY;
      const readPage = (after: AuditPosition | undefined) =>
        listAuditPage(em, read.filter, { order, ...(after ? { after } : {}), limit: Math.min(deps.exportPageSize, remaining) });
      const first = await readPage(start);
      const line = format === 'csv' ? auditCsvLine : auditJsonLine;

      async function* lines(): AsyncGenerator<string> {
        if (format === 'csv') yield AUDIT_CSV_HEADER;
        let rows: AuditRecord[] = first;
        while (rows.length > 0) {
          yield rows.map((r) => line(toAuditView(r, read.viewer))).join('');
          remaining -= rows.length;
          const last = rows.at(-1);
          if (!last || rows.length < deps.exportPageSize || remaining <= 0) return;
          rows = await readPage(auditPositionOf(last, order));
        }
      }
      return Readable.from(lines());
    },
  };
}
