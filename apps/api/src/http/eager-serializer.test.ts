import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { eagerSerializerCompiler } from './eager-serializer.js';

const Shared = { ErrorBody: { $id: 'ErrorBody', type: 'object', properties: { error: { type: 'object', properties: { code: { type: 'string' } } } } } };
const View = Type.Object({
  label: Type.Union([Type.String(), Type.Null()]),
  replacement: Type.Union([Type.Object({ masked_key: Type.String() }), Type.Null()]),
});

describe('eagerSerializerCompiler', () => {
  const compile = eagerSerializerCompiler(Shared);
  const serialize = (schema: unknown, value: unknown) => compile({ schema, method: 'GET', url: '/x', httpStatus: '200' })(value);

  it('serialises both branches of nullable fields as the default compiler does', () => {
    expect(JSON.parse(serialize(View, { label: 'work', replacement: { masked_key: 'sk-****' } }))).toEqual({ label: 'work', replacement: { masked_key: 'sk-****' } });
    expect(JSON.parse(serialize(View, { label: null, replacement: null }))).toEqual({ label: null, replacement: null });
  });

  it('resolves references to the shared schemas, and a shared schema itself', () => {
    const body = { error: { code: 'not_found' } };
    expect(JSON.parse(serialize({ $ref: 'ErrorBody' }, body))).toEqual(body);
    expect(JSON.parse(serialize(Shared.ErrorBody, body))).toEqual(body);
  });
});
