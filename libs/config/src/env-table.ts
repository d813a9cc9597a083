import { EnvSchema } from './env-schema.js';

interface DescribedSchema {
  description?: string;
  default?: unknown;
}

/**
 * The README's configuration table, generated from the schema so the two cannot drift apart
 * (a test compares them). Per-provider variables are one row each for the pattern.
 */
export function envTableMarkdown(): string {
  const rows = Object.entries(EnvSchema.properties).map(([name, schema]) => {
    const described = schema as DescribedSchema;
    const fallback = described.default === undefined ? '—' : `\`${String(described.default)}\``;
    return `| \`${name}\` | ${fallback} | ${described.description ?? ''} |`;
  });
  rows.push(
    '| `PROVIDER_<ID>_BASE_URL` | the provider\'s public API | Replaces a provider\'s base URL (`<ID>`: OPENROUTER, OPENAI, ANTHROPIC, GOOGLE, COHERE, TOGETHER, GROQ, PERPLEXITY), e.g. to reach the mock provider. |',
    '| `SYSTEM_<ID>_API_KEY` | — | The platform\'s own key for a provider; requests through it are charged in credits. |',
  );
  return ['| Variable | Default | Meaning |', '|---|---|---|', ...rows].join('\n');
}
