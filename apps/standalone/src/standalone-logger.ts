import { createLogger, type Logger, type LoggerOptions } from '@byok/telemetry';

/**
 * The standalone process's logger: JSON lines, except in a terminal, where they go through
 * pino-pretty (a development dependency, there whenever `npm ci` installed them) so a person
 * reads `INFO (standalone): applied migrations` rather than JSON. Redaction happens on the line
 * before it reaches either. Piped or redirected output stays JSON.
 */
export async function createStandaloneLogger(level: string): Promise<Logger> {
  const destination = process.stdout.isTTY ? await prettyDestination() : undefined;
  return createLogger({ level, name: 'standalone', ...(destination ? { destination } : {}) });
}

async function prettyDestination(): Promise<LoggerOptions['destination']> {
  try {
    const { default: pretty } = await import('pino-pretty');
    return pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
  } catch {
    // Installed without development dependencies: JSON it is.
    return undefined;
  }
}
