import { Writable } from 'node:stream';
import { createLogger } from '@byok/telemetry';
import type { FastifyBaseLogger } from 'fastify';
import { describe, expect, it, vi } from 'vitest';
import { lazyChildLoggerFactory } from './lazy-child-logger.js';

function setup(level: string) {
  const lines: string[] = [];
  const logger = createLogger({ level, name: 'lazy-test', destination: new Writable({ write: (chunk, _e, cb) => { lines.push(String(chunk)); cb(); } }) });
  const child = vi.spyOn(logger, 'child');
  return { logger: logger as unknown as FastifyBaseLogger, lines, child };
}

describe('lazyChildLoggerFactory', () => {
  it('makes no pino child for lines below the level, and a bound one on the first line that counts', () => {
    const s = setup('info');
    const log = lazyChildLoggerFactory(s.logger, { reqId: 'r-1' }, { level: 'warn' });
    log.info({ req: 'x' }, 'incoming request');
    log.debug('noise');
    expect(s.child).not.toHaveBeenCalled();
    expect(s.lines).toEqual([]);
    log.error({ code: 'upstream_timeout' }, 'service dependency unavailable');
    log.warn('again');
    expect(s.child).toHaveBeenCalledTimes(1);
    expect(s.lines).toHaveLength(2);
    expect(JSON.parse(s.lines[0] ?? '{}')).toMatchObject({ reqId: 'r-1', level: 'error', code: 'upstream_timeout', msg: 'service dependency unavailable' });
  });

  it('inherits the parent\'s level when the route sets none', () => {
    const s = setup('warn');
    const log = lazyChildLoggerFactory(s.logger, { reqId: 'r-2' }, {});
    log.info('hidden');
    log.warn('shown');
    expect(s.lines.map((l) => JSON.parse(l).msg)).toEqual(['shown']);
    expect(log.level).toBe('warn');
  });
});
