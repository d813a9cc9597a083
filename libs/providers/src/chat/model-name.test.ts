import { describe, expect, it } from 'vitest';
import { Compile } from 'typebox/compile';
import { chatAdapterFor } from './chat-adapters.js';
import { ChatCompletionRequestSchema } from './chat-request.schema.js';
import { isUsableModelName } from './model-name.js';
import { PROVIDERS } from '../registry/index.js';

const messages = [{ role: 'user' as const, content: 'hi' }];

describe('model names (issue #12, item 6: a model name with NUL is never charged)', () => {
  it('refuses control characters and unpaired surrogates, accepts any other text', () => {
    for (const bad of ['gpt-4o\u0000', 'gpt\u0007-4o', 'gpt-4o\n', 'gpt-4o\u007f', 'gpt-4o\u0085', 'gemini-\ud800', 'gemini-\udc00x', '\udbff']) {
      expect(isUsableModelName(bad), JSON.stringify(bad)).toBe(false);
    }
    for (const good of ['gpt-4o-mini', 'openai/gpt-4o:free', 'models/gemini-1.5-pro', 'modèle-😀', 'a b']) expect(isUsableModelName(good), good).toBe(true);
    expect(isUsableModelName('')).toBe(false);
  });

  it('the request schema applies the same rule to `model`', () => {
    const check = Compile(ChatCompletionRequestSchema);
    expect(check.Check({ model: 'gpt-4o\u0000', messages })).toBe(false);
    expect(check.Check({ model: 'gemini-\ud800', messages })).toBe(false);
    expect(check.Check({ model: 'gpt-4o-😀', messages })).toBe(true);
  });

  it('a Gemini request with an unpaired surrogate in the model is a 400, not a thrown URIError', () => {
    const built = chatAdapterFor(PROVIDERS.google.chat).buildRequest({
      request: { model: 'gemini-\ud800', messages },
      upstreamModel: 'gemini-\ud800',
      apiKey: 'AIzaFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAK',
      baseUrl: 'http://127.0.0.1:9/google',
      spec: PROVIDERS.google.chat,
      auth: PROVIDERS.google.auth,
    });
    expect(built.ok).toBe(false);
    expect(!built.ok && built.error.status).toBe(400);
    expect(!built.ok && built.error.body.error.message).toMatch(/model must not contain/);
  });
});
