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
 * A `preValidation` hook that checks a JSON body's shape as sent, before the schema, and says in one
 * line what a field must be. Bodies are not coerced (validator-compilers.ts), so the schema alone
 * would refuse these too, but with one error per branch of its union (`must be array`, `must be
 * null`, `must match a schema in anyOf`); here `models: ""`, `[""]`, `[null]`, `0` or `false`,
 * `enabled: null`, and a toggle's body `false` get one message naming the field.
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
