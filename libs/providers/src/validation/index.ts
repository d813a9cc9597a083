export { summarizeErrorBody } from './error-summary.js';
export { MAX_BODY_BYTES } from './http-probe.js';
export { DEFAULT_RULES } from './outcome-rules.js';
export { readRetryAfterMs } from './retry-after.js';
export { MIN_SECRET_RUN, scrubSecret } from './secret-scrubber.js';
export { MAX_MODELS } from './success-readers.js';
export { MAX_MESSAGE_CHARS, type ValidateKeyOptions, validateKey } from './validate-key.js';
export type { ValidationOutcome } from './validation-outcome.js';
export type { OutcomeRule, SuccessShape, ValidationSpec, ValidationStatus } from './validation-spec.js';
