import { AppError } from '@byok/http';
import type { preValidationHookHandler } from 'fastify';

/**
 * What a body field must be as the client sent it:
 * - `boolean`: a JSON `true` or `false`;
 * - `model-list-or-null`: null, or an array of non-empty strings.
 */
export type RawFieldShape = 'boolean' | 'model-list-or-null';

const SHAPES: Readonly<Record<RawFieldShape, { fits(value: unknown): boolean; message: string }>> = {
  boolean: { fits: (value) => typeof value === 'boolean', message: 'must be true or false' },
  // An empty name is refused here, not left to the schema's minLength: the schema's union with
  // null would coerce `[""]` to null first.
  'model-list-or-null': {
    fits: (value) => value === null || (Array.isArray(value) && value.every((item) => typeof item === 'string' && item !== '')),
    message: 'must be null (any model) or a list of model names',
  },
};

/** Options of `rawBodyShape`. */
export interface RawBodyShapeOptions {
  /** The route takes no body, or a JSON null, as well as an object (an empty patch, a flip). */
  optional?: boolean;
}

/**
 * A `preValidation` hook that checks a JSON body's shape as sent, before the schema. The API's
 * Ajv coerces types (`coerceTypes: 'array'`, which query strings need), and in a body coercion
 * changes meanings: `models: ""`, `[""]` or `[null]` became null, which allows every model, and
 * `0` or `false` became `["0"]` / `["false"]`; `enabled: null` became false; a toggle's body
 * `false` became null, which flips the key. Each such body is refused with a 400 naming the
 * field; one that passes leaves the schema nothing to coerce in these fields.
 */
export function rawBodyShape(fields: Readonly<Record<string, RawFieldShape>>, options: RawBodyShapeOptions = {}): preValidationHookHandler {
  const entries = Object.entries(fields);
  return (request, _reply, done) => {
    const body: unknown = request.body;
    if (body === undefined || (body === null && options.optional === true)) return done();
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return done(refusal('body', options.optional === true ? 'must be a JSON object, or null' : 'must be a JSON object'));
    for (const [name, shape] of entries) {
      if (!Object.hasOwn(body, name)) continue;
      const rule = SHAPES[shape];
      if (!rule.fits((body as Record<string, unknown>)[name])) return done(refusal(`body/${name}`, rule.message));
    }
    done();
  };
}

function refusal(path: string, message: string): AppError {
  return new AppError('validation_failed', `${path}: ${message}`, { details: [{ path, message }] });
}
