export { createLogger, type Logger, type LoggerOptions } from './logger.js';
export { redactionPaths } from './redaction-paths.js';
export { SECRET_MASK, scrubSecrets } from './secret-scrubber.js';
export { traceCorrelationMixin, type TraceCorrelationFields } from './trace-correlation.mixin.js';
