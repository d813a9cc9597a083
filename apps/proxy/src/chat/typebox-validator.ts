import { MODEL_NAME_PATTERN, MODEL_NAME_RULE } from '@byok/providers';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';

/** One validation problem in the shape Fastify and the shared error plugin read (Ajv's). */
export interface ValidationProblem {
  instancePath: string;
  message: string;
  params: Record<string, unknown>;
  keyword: string;
}

/** A failed body check, as Fastify expects a validator to report it. */
export class BodyValidationError extends Error {
  readonly validation: ValidationProblem[];
  constructor(problems: ValidationProblem[]) {
    super(problems.map((p) => `${p.instancePath || '/'} ${p.message}`).join('; '));
    this.validation = problems;
  }
}

interface TypeBoxError {
  keyword: string;
  instancePath: string;
  message: string;
  params: Record<string, unknown>;
}

/**
 * A Fastify `validatorCompiler` backed by TypeBox's compiled checker, so the proxy's body check is
 * the same wherever the routes are mounted (the API's Ajv settings coerce types, which a chat
 * request must not be) and costs well under a microsecond for a typical body.
 */
export function typeboxValidatorCompiler({ schema }: { schema: unknown }): (data: unknown) => true | { error: BodyValidationError } {
  const check = Compile(schema as TSchema);
  return (data) => (check.Check(data) ? true : { error: new BodyValidationError(describe([...check.Errors(data)] as TypeBoxError[])) });
}

/**
 * Turns TypeBox's errors into one readable problem for the first field at fault: a union of
 * literals becomes "must be one of …", a nullable field's "must be null" alternative is hidden,
 * and missing properties name the field.
 */
export function describe(errors: readonly TypeBoxError[]): ValidationProblem[] {
  const first = errors[0];
  if (first === undefined) return [{ instancePath: '', message: 'is invalid', params: {}, keyword: 'unknown' }];
  if (first.keyword === 'required') {
    const missing = Array.isArray(first.params.requiredProperties) ? first.params.requiredProperties.map(String) : [];
    return missing.map((name) => ({ instancePath: `${first.instancePath}/${name}`, message: `must have required property '${name}'`, params: { missingProperty: name }, keyword: 'required' }));
  }
  const atPath = errors.filter((e) => e.instancePath === first.instancePath);
  const allowed = atPath.filter((e) => e.keyword === 'const').map((e) => e.params.allowedValue);
  if (allowed.length > 1) {
    return [{ instancePath: first.instancePath, message: `must be one of ${allowed.join(', ')}`, params: { allowedValues: allowed }, keyword: 'enum' }];
  }
  const telling = atPath.find((e) => e.keyword !== 'anyOf' && !(e.keyword === 'type' && e.params.type === 'null')) ?? first;
  // The model name's pattern is unreadable as a message; say what it forbids.
  const message = telling.keyword === 'pattern' && telling.params.pattern === MODEL_NAME_PATTERN ? MODEL_NAME_RULE : telling.message;
  return [{ instancePath: telling.instancePath, message, params: telling.params, keyword: telling.keyword }];
}
