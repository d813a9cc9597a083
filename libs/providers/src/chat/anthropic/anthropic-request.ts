import type { BuildRequestInput, ChatResult, UpstreamRequest } from '../chat-adapter.types.js';
import type { ChatMessage, ContentPart, OpenAIChatRequest } from '../chat-request.schema.js';
import type { JsonRecord } from '../json-guards.js';
import {
  invalidRequest,
  isSystemRole,
  maxTokensOf,
  parseDataUrl,
  parseToolArguments,
  stopList,
  textOf,
} from '../request-helpers.js';
import { joinUrl, jsonPost } from '../upstream-request.js';

/** Anthropic requires `max_tokens`; OpenAI clients often omit it. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;
export const ANTHROPIC_VERSION = '2023-06-01';

type AnthropicImageSource = { type: 'base64'; media_type: string; data: string } | { type: 'url'; url: string };

type AnthropicBlock =
  | { type: 'text'; text: string }
  | { type: 'image'; source: AnthropicImageSource }
  | { type: 'tool_use'; id: string; name: string; input: JsonRecord }
  | { type: 'tool_result'; tool_use_id: string; content: string };

interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: AnthropicBlock[];
}

/**
 * OpenAI chat request → Messages API request. System and developer messages are lifted into the
 * top-level `system` (joined by blank lines, wherever they appeared); tool results become user
 * messages; consecutive same-role messages are merged because Anthropic requires alternation.
 */
export function buildAnthropicRequest(input: BuildRequestInput): ChatResult<UpstreamRequest> {
  const { request } = input;
  const system: string[] = [];
  const messages: AnthropicMessage[] = [];
  for (const [i, message] of request.messages.entries()) {
    if (isSystemRole(message.role)) {
      const text = textOf(message.content);
      if (text !== '') system.push(text);
      continue;
    }
    const converted = convertMessage(message, `messages[${i}]`);
    if (!converted.ok) return converted;
    appendMerged(messages, converted.value);
  }

  const body: JsonRecord = {
    model: input.upstreamModel,
    max_tokens: maxTokensOf(request) ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
    messages,
  };
  if (system.length > 0) body.system = system.join('\n\n');
  if (request.temperature != null) body.temperature = request.temperature;
  if (request.top_p != null) body.top_p = request.top_p;
  const stop = stopList(request.stop);
  if (stop) body.stop_sequences = stop;
  if (request.stream === true) body.stream = true;
  if (request.user != null) body.metadata = { user_id: request.user };
  Object.assign(body, toolFields(request, messages));

  const url = joinUrl(input.baseUrl, input.spec.path);
  return { ok: true, value: jsonPost(input, url, body, { 'anthropic-version': ANTHROPIC_VERSION }) };
}

function convertMessage(message: ChatMessage, where: string): ChatResult<AnthropicMessage> {
  if (message.role === 'tool') {
    if (!message.tool_call_id) return { ok: false, error: invalidRequest(`${where}.tool_call_id is required`) };
    const block: AnthropicBlock = { type: 'tool_result', tool_use_id: message.tool_call_id, content: textOf(message.content) };
    return { ok: true, value: { role: 'user', content: [block] } };
  }
  const content = contentBlocks(message.content, where);
  if (!content.ok) return content;
  if (message.role === 'user') return { ok: true, value: { role: 'user', content: content.value } };

  const blocks = content.value;
  for (const [j, call] of (message.tool_calls ?? []).entries()) {
    const args = parseToolArguments(call.function.arguments, `${where}.tool_calls[${j}]`);
    if (!args.ok) return args;
    blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input: args.value });
  }
  return { ok: true, value: { role: 'assistant', content: blocks } };
}

/** Content parts → blocks. Empty text is dropped: Anthropic rejects empty text blocks. */
function contentBlocks(content: ChatMessage['content'], where: string): ChatResult<AnthropicBlock[]> {
  if (content === undefined || content === null) return { ok: true, value: [] };
  if (typeof content === 'string') return { ok: true, value: content === '' ? [] : [{ type: 'text', text: content }] };
  const blocks: AnthropicBlock[] = [];
  for (const [k, part] of content.entries()) {
    const block = partBlock(part);
    if (block === undefined) {
      return { ok: false, error: invalidRequest(`${where}.content[${k}]: Anthropic does not accept '${part.type}' parts`) };
    }
    if (block !== null) blocks.push(block);
  }
  return { ok: true, value: blocks };
}

/** A block for a part; null to skip the part, undefined when Anthropic cannot express it. */
function partBlock(part: ContentPart): AnthropicBlock | null | undefined {
  if (part.type === 'text') return part.text === '' ? null : { type: 'text', text: part.text };
  if (part.type === 'refusal') return part.refusal === '' ? null : { type: 'text', text: part.refusal };
  if (part.type === 'image_url') {
    const url = part.image_url.url;
    const inline = parseDataUrl(url);
    const source: AnthropicImageSource = inline
      ? { type: 'base64', media_type: inline.mediaType, data: inline.data }
      : { type: 'url', url };
    return { type: 'image', source };
  }
  return undefined;
}

/** Appends a message, merging it into the previous one when the role repeats. */
function appendMerged(messages: AnthropicMessage[], next: AnthropicMessage): void {
  if (next.content.length === 0) return;
  const last = messages[messages.length - 1];
  if (last && last.role === next.role) last.content.push(...next.content);
  else messages.push(next);
}

/**
 * `tools` and `tool_choice`. `none` omits the tools, as OpenAI's meaning is "answer in text" —
 * unless the history already holds tool blocks, which Anthropic only accepts alongside a tool
 * list; then the tools stay and `tool_choice` is `{type:'none'}`.
 */
function toolFields(request: OpenAIChatRequest, messages: AnthropicMessage[]): JsonRecord {
  const tools = request.tools ?? [];
  if (tools.length === 0) return {};
  const mapped = tools.map((tool) => ({
    name: tool.function.name,
    ...(tool.function.description !== undefined ? { description: tool.function.description } : {}),
    input_schema: tool.function.parameters ?? { type: 'object', properties: {} },
  }));
  const choice = request.tool_choice;
  if (choice === 'none') {
    const hasToolHistory = messages.some((m) => m.content.some((b) => b.type === 'tool_use' || b.type === 'tool_result'));
    return hasToolHistory ? { tools: mapped, tool_choice: { type: 'none' } } : {};
  }
  let toolChoice: JsonRecord | undefined;
  if (choice === 'auto') toolChoice = { type: 'auto' };
  else if (choice === 'required') toolChoice = { type: 'any' };
  else if (choice != null) toolChoice = { type: 'tool', name: choice.function.name };
  if (request.parallel_tool_calls === false) {
    toolChoice = { ...(toolChoice ?? { type: 'auto' }), disable_parallel_tool_use: true };
  }
  return toolChoice ? { tools: mapped, tool_choice: toolChoice } : { tools: mapped };
}
