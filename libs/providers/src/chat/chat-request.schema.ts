import Type, { type Static } from 'typebox';
import { MODEL_NAME_PATTERN, MODEL_NAME_RULE } from './model-name.js';

/**
 * The OpenAI chat completion request as the gateway accepts it. It is strict about the fields the
 * adapters translate and open (`additionalProperties: true`) elsewhere, because clients send many
 * optional OpenAI fields that the `openai` dialect simply passes on. Most optional fields also
 * accept `null`, as OpenAI's API does, since several client libraries send explicit nulls.
 */

/** Optional and nullable: the field may be absent or `null`, and both mean "not set". */
const Maybe = <T extends Type.TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));

const TextPart = Type.Object(
  { type: Type.Literal('text'), text: Type.String() },
  { additionalProperties: true },
);

const ImageUrlPart = Type.Object(
  {
    type: Type.Literal('image_url'),
    image_url: Type.Object(
      { url: Type.String(), detail: Type.Optional(Type.String()) },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: true },
);

// Audio, file and refusal parts are accepted so the `openai` dialect can pass them on; the
// translating dialects reject what they cannot express with a 400 rather than dropping it.
const InputAudioPart = Type.Object(
  { type: Type.Literal('input_audio'), input_audio: Type.Object({}, { additionalProperties: true }) },
  { additionalProperties: true },
);
const FilePart = Type.Object(
  { type: Type.Literal('file'), file: Type.Object({}, { additionalProperties: true }) },
  { additionalProperties: true },
);
const RefusalPart = Type.Object(
  { type: Type.Literal('refusal'), refusal: Type.String() },
  { additionalProperties: true },
);

/** One element of a message's `content` array. */
export const ContentPartSchema = Type.Union([TextPart, ImageUrlPart, InputAudioPart, FilePart, RefusalPart]);
export type ContentPart = Static<typeof ContentPartSchema>;

/** A tool call as it appears on an assistant message in the conversation history. */
export const ToolCallSchema = Type.Object(
  {
    id: Type.String(),
    type: Type.Literal('function'),
    function: Type.Object({ name: Type.String(), arguments: Type.String() }, { additionalProperties: true }),
  },
  { additionalProperties: true },
);
export type ToolCall = Static<typeof ToolCallSchema>;

/** One conversation message. A single object shape (not a union per role) keeps validation errors readable. */
export const ChatMessageSchema = Type.Object(
  {
    role: Type.Union([
      Type.Literal('system'),
      Type.Literal('developer'),
      Type.Literal('user'),
      Type.Literal('assistant'),
      Type.Literal('tool'),
    ]),
    content: Maybe(Type.Union([Type.String(), Type.Array(ContentPartSchema)])),
    name: Maybe(Type.String()),
    tool_calls: Maybe(Type.Array(ToolCallSchema)),
    tool_call_id: Maybe(Type.String()),
    refusal: Maybe(Type.String()),
  },
  { additionalProperties: true },
);
export type ChatMessage = Static<typeof ChatMessageSchema>;

/** A function tool offered to the model. */
export const ToolSchema = Type.Object(
  {
    type: Type.Literal('function'),
    function: Type.Object(
      {
        name: Type.String({ minLength: 1 }),
        description: Type.Optional(Type.String()),
        parameters: Type.Optional(Type.Object({}, { additionalProperties: true })),
        strict: Maybe(Type.Boolean()),
      },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: true },
);
export type Tool = Static<typeof ToolSchema>;

/** `none` | `auto` | `required`, or one named function. */
export const ToolChoiceSchema = Type.Union([
  Type.Literal('none'),
  Type.Literal('auto'),
  Type.Literal('required'),
  Type.Object(
    { type: Type.Literal('function'), function: Type.Object({ name: Type.String() }, { additionalProperties: true }) },
    { additionalProperties: true },
  ),
]);
export type ToolChoice = Static<typeof ToolChoiceSchema>;

/** How the token cap matters to the gateway (the OpenAPI text of both cap fields). */
const CAP_NOTE =
  'On a platform key (charged in credits) the request reserves credits for its prompt and this many completion tokens per choice (a configured default when unset); when the balance minus requests in flight cannot cover that, the answer is 402 insufficient_credits.';

/** The body of `POST /v1/chat/completions`, for Fastify validation and the OpenAPI document. */
export const ChatCompletionRequestSchema = Type.Object(
  {
    model: Type.String({ minLength: 1, pattern: MODEL_NAME_PATTERN, description: `The model, e.g. \`gpt-4o-mini\` or \`openai/gpt-4o-mini\`; ${MODEL_NAME_RULE}.` }),
    messages: Type.Array(ChatMessageSchema, { minItems: 1 }),
    stream: Maybe(Type.Boolean()),
    stream_options: Maybe(
      Type.Object({ include_usage: Type.Optional(Type.Boolean()) }, { additionalProperties: true }),
    ),
    max_tokens: Maybe(Type.Integer({ minimum: 1, description: CAP_NOTE })),
    max_completion_tokens: Maybe(Type.Integer({ minimum: 1, description: CAP_NOTE })),
    temperature: Maybe(Type.Number({ minimum: 0, maximum: 2 })),
    top_p: Maybe(Type.Number({ minimum: 0, maximum: 1 })),
    n: Maybe(Type.Integer({ minimum: 1, maximum: 128 })),
    stop: Maybe(Type.Union([Type.String(), Type.Array(Type.String())])),
    presence_penalty: Maybe(Type.Number({ minimum: -2, maximum: 2 })),
    frequency_penalty: Maybe(Type.Number({ minimum: -2, maximum: 2 })),
    seed: Maybe(Type.Integer()),
    tools: Maybe(Type.Array(ToolSchema)),
    tool_choice: Maybe(ToolChoiceSchema),
    parallel_tool_calls: Maybe(Type.Boolean()),
    response_format: Maybe(Type.Object({ type: Type.String() }, { additionalProperties: true })),
    user: Maybe(Type.String()),
  },
  { additionalProperties: true },
);

/**
 * A validated chat completion request: the static type of {@link ChatCompletionRequestSchema},
 * plus the other OpenAI fields the schema lets through untyped.
 */
export type OpenAIChatRequest = Static<typeof ChatCompletionRequestSchema> & { [extra: string]: unknown };
