/**
 * What a model name may contain. A name is routed, priced, sent upstream (Gemini puts it in the
 * URL path) and stored with the usage row, so it must be text every one of those takes: no C0/C1
 * control characters (a NUL made the usage row unstorable, so the request was never charged) and
 * no unpaired UTF-16 surrogates (`encodeURIComponent` throws on them, and Postgres cannot hold
 * them). Written for a regex without the `u` flag, so it sees UTF-16 code units and a surrogate
 * pair passes as two units.
 */
export const MODEL_NAME_PATTERN = '^(?:[^\\u0000-\\u001f\\u007f-\\u009f\\ud800-\\udfff]|[\\ud800-\\udbff][\\udc00-\\udfff])+$';

/** The validation message for a name that does not match {@link MODEL_NAME_PATTERN}. */
export const MODEL_NAME_RULE = 'must not contain control characters or unpaired UTF-16 surrogates';

const MODEL_NAME = new RegExp(MODEL_NAME_PATTERN);

/** Whether `name` is a usable model name (see {@link MODEL_NAME_PATTERN}). */
export function isUsableModelName(name: string): boolean {
  return MODEL_NAME.test(name);
}
