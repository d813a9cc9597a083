import { ChatCompletionRequestSchema } from '@byok/providers';
import { describe, expect, it } from 'vitest';
import { BodyValidationError, typeboxValidatorCompiler } from './typebox-validator.js';

const validate = typeboxValidatorCompiler({ schema: ChatCompletionRequestSchema });
const problems = (body: unknown) => {
  const result = validate(body);
  if (result === true) return [];
  expect(result.error).toBeInstanceOf(BodyValidationError);
  return result.error.validation.map((p) => ({ path: p.instancePath, message: p.message, params: p.params }));
};

describe('typeboxValidatorCompiler', () => {
  it('accepts a chat request, extra OpenAI fields and nulls included', () => {
    expect(validate({ model: 'm', messages: [{ role: 'user', content: 'hi' }], temperature: null, logprobs: true })).toBe(true);
  });

  it('reports one readable problem for the first field at fault, in the shape the error plugin reads', () => {
    expect(problems({ model: 'm', messages: [{ role: 'robot', content: 'hi' }] })).toEqual([
      { path: '/messages/0/role', message: 'must be one of system, developer, user, assistant, tool', params: { allowedValues: ['system', 'developer', 'user', 'assistant', 'tool'] } },
    ]);
    expect(problems({ messages: [{ role: 'user' }] })).toEqual([{ path: '/model', message: "must have required property 'model'", params: { missingProperty: 'model' } }]);
    expect(problems({ model: 'm', messages: [{ role: 'user' }], top_p: 3 })[0]).toMatchObject({ path: '/top_p', message: 'must be <= 1' });
    expect(problems({ model: 7, messages: [{ role: 'user' }] })[0]).toMatchObject({ path: '/model', message: 'must be string' });
    expect(problems({ model: 'm', messages: 'hi' })[0]).toMatchObject({ path: '/messages' });
  });
});
