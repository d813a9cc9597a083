/**
 * The models each mock provider lists, in the provider's own item shape. Tests compare the
 * validator's model list against the ids exported here.
 */

const CREATED = 1_715_367_049;

export const OPENAI_MODELS = ['gpt-4o', 'gpt-4o-mini', 'o3-mini', 'text-embedding-3-small'] as const;
export const ANTHROPIC_MODELS = ['claude-opus-4-1-20250805', 'claude-sonnet-4-5-20250929', 'claude-3-5-haiku-20241022'] as const;
export const GEMINI_MODELS = ['gemini-2.0-flash', 'gemini-2.5-flash', 'gemini-2.5-pro', 'text-embedding-004'] as const;
export const TOGETHER_MODELS = [
  'meta-llama/Llama-3.3-70B-Instruct-Turbo',
  'mistralai/Mixtral-8x7B-Instruct-v0.1',
  'Qwen/Qwen2.5-72B-Instruct-Turbo',
] as const;
export const GROQ_MODELS = ['llama-3.1-8b-instant', 'llama-3.3-70b-versatile', 'openai/gpt-oss-120b'] as const;

/** `GET /v1/models` (OpenAI) */
export const openAiModelList = (): unknown => ({
  object: 'list',
  data: OPENAI_MODELS.map((id) => ({ id, object: 'model', created: CREATED, owned_by: 'system' })),
});

/** `GET /openai/v1/models` (Groq): OpenAI's shape plus `context_window`. */
export const groqModelList = (): unknown => ({
  object: 'list',
  data: GROQ_MODELS.map((id) => ({ id, object: 'model', created: CREATED, owned_by: 'Groq', active: true, context_window: 131072 })),
});

/** `GET /v1/models` (Anthropic) */
export const anthropicModelList = (): unknown => ({
  data: ANTHROPIC_MODELS.map((id) => ({ id, type: 'model', display_name: id, created_at: '2025-01-01T00:00:00Z' })),
  has_more: false,
  first_id: ANTHROPIC_MODELS[0],
  last_id: ANTHROPIC_MODELS[ANTHROPIC_MODELS.length - 1],
});

/** `GET /v1beta/models` (Gemini): names carry the `models/` prefix. */
export const geminiModelList = (): unknown => ({
  models: GEMINI_MODELS.map((id) => ({
    name: `models/${id}`,
    version: '001',
    displayName: id,
    description: `Mock ${id}`,
    inputTokenLimit: 1_048_576,
    outputTokenLimit: 8192,
    supportedGenerationMethods: id.startsWith('text-embedding') ? ['embedContent'] : ['generateContent', 'countTokens'],
  })),
});

/** `GET /v1/models` (Together): a bare array, not `{ data }`. */
export const togetherModelList = (): unknown =>
  TOGETHER_MODELS.map((id) => ({ id, object: 'model', created: CREATED, type: 'chat', display_name: id, organization: id.split('/')[0] }));
