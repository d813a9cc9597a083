import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** The repository root. */
export const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

export const readText = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
export const exists = (path: string): boolean => existsSync(join(ROOT, path));
export const listDir = (path: string): string[] => readdirSync(join(ROOT, path));

/** A YAML file as plain data; `<<` merge keys resolved the way Compose resolves them. */
export function readYaml(path: string): Record<string, unknown> {
  return asRecord(parse(readText(path), { merge: true }), path);
}

export function readJson(path: string): Record<string, unknown> {
  return asRecord(JSON.parse(readText(path)) as unknown, path);
}

export function asRecord(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${where}: expected a mapping`);
  return value as Record<string, unknown>;
}

export function optionalRecord(value: unknown, where: string): Record<string, unknown> {
  return value === undefined || value === null ? {} : asRecord(value, where);
}

export function asArray(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${where}: expected a list`);
  return value;
}

export function asString(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new Error(`${where}: expected a string`);
  return value;
}

/** `host:port` (or a URL) split; the port defaults from the scheme. */
export function hostPort(address: string): { host: string; port: number } {
  const url = new URL(address.includes('://') ? address : `tcp://${address}`);
  const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return { host: url.hostname, port };
}

/** The port of a `0.0.0.0:4317`-style listen address. */
export const listenPort = (endpoint: string): number => hostPort(endpoint).port;

/** Every `${NAME…}` a Compose file interpolates, with whether it is required (`:?`). */
export function interpolatedVariables(text: string): Map<string, { required: boolean }> {
  const found = new Map<string, { required: boolean }>();
  for (const match of text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)(:?[?+-])?/g)) {
    const name = match[1] ?? '';
    const required = match[2] === ':?' || match[2] === '?';
    found.set(name, { required: required || (found.get(name)?.required ?? false) });
  }
  return found;
}

/** `.env.example` entries: active (`NAME=value`) and commented-out (`# NAME=value`) ones. */
export function envExampleEntries(text: string): Map<string, { value: string; commented: boolean }> {
  const entries = new Map<string, { value: string; commented: boolean }>();
  for (const line of text.split('\n')) {
    const match = /^(#\s*)?([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match?.[2] !== undefined) entries.set(match[2], { value: match[3] ?? '', commented: match[1] !== undefined });
  }
  return entries;
}

/**
 * The Prometheus names the collector's prometheus exporter gives an OpenTelemetry instrument:
 * dots become underscores, a unit becomes a suffix (`s` → `_seconds`, `{…}` annotations none) and
 * counters get `_total`; histograms are read through `_bucket`, `_sum` and `_count`.
 */
export function prometheusNames(instrument: { name: string; unit: string; type: 'counter' | 'histogram' | 'gauge' }): string[] {
  const unitSuffix = instrument.unit === 's' ? '_seconds' : '';
  const base = `${instrument.name.replaceAll('.', '_')}${unitSuffix}`;
  if (instrument.type === 'counter') return [`${base}_total`];
  if (instrument.type === 'histogram') return [`${base}_bucket`, `${base}_sum`, `${base}_count`];
  return [base];
}
