import type { BuildRequestInput, ChatResult, UpstreamRequest } from '../chat-adapter.types.js';
import type { ChatMessage, ContentPart, OpenAIChatRequest } from '../chat-request.schema.js';
import { type JsonRecord, isRecord, parseJson } from '../json-guards.js';
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
import { isUsableModelName, MODEL_NAME_RULE } from '../model-name.js';
import { geminiParameters } from './gemini-schema.js';

type GeminiPart =
  | { text: string }
  | { inlineData: { mimeType: string; data: string } }
  | { fileData: { mimeType: string; fileUri: string } }
  | { functionCall: { name: string; args: JsonRecord } }
  | { functionResponse: { name: string; response: JsonRecord } };

interface GeminiContent {
  role: 'user' | 'model';
  parts: GeminiPart[];
}

/**
 * OpenAI chat request → `generateContent` / `streamGenerateContent?alt=sse` request. System
 * messages become `systemInstruction`; the assistant is role `model`; tool results are
 * `functionResponse` parts in a user turn, named by looking up the earlier call's id (Gemini has
 * no call ids). Consecutive same-role turns are merged.
 */
export function buildGeminiRequest(input: BuildRequestInput): ChatResult<UpstreamRequest> {
  const { request } = input;
  const system: Array<{ text: string }> = [];
  const contents: GeminiContent[] = [];
  const toolNames = new Map<string, string>();
  for (const [i, message] of request.messages.entries()) {
    if (isSystemRole(message.role)) {
      const text = textOf(message.content);
      if (text !== '') system.push({ text });
      continue;
    }
    const converted = convertMessage(message, `messages[${i}]`, toolNames);
    if (!converted.ok) return converted;
    appendMerged(contents, converted.value);
  }

  const body: JsonRecord = { contents };
  if (system.length > 0) body.systemInstruction = { parts: system };
  const generationConfig = generationConfigOf(request);
  if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;
  Object.assign(body, toolFields(request));

  // The name goes into the URL path; `encodeURIComponent` throws on an unpaired surrogate.
  if (!isUsableModelName(input.upstreamModel)) return { ok: false, error: invalidRequest(`model ${MODEL_NAME_RULE}`) };
  const model = encodeURIComponent(input.upstreamModel.replace(/^models\//, ''));
  const method = request.stream === true ? 'streamGenerateContent?alt=sse' : 'generateContent';
  const url = `${joinUrl(input.baseUrl, input.spec.path)}/${model}:${method}`;
  return { ok: true, value: jsonPost(input, url, body) };
}

function convertMessage(message: ChatMessage, where: string, toolNames: Map<string, string>): ChatResult<GeminiContent> {
  if (message.role === 'tool') {
    const name = (message.tool_call_id ? toolNames.get(message.tool_call_id) : undefined) ?? message.name;
    if (!name) return { ok: false, error: invalidRequest(`${where}.tool_call_id does not match an earlier tool call`) };
    const part: GeminiPart = { functionResponse: { name, response: toolResponse(textOf(message.content)) } };
    return { ok: true, value: { role: 'user', parts: [part] } };
  }
  const parts = contentParts(message.content, where);
  if (!parts.ok) return parts;
  if (message.role === 'user') return { ok: true, value: { role: 'user', parts: parts.value } };

  for (const [j, call] of (message.tool_calls ?? []).entries()) {
    const args = parseToolArguments(call.function.arguments, `${where}.tool_calls[${j}]`);
    if (!args.ok) return args;
    toolNames.set(call.id, call.function.name);
    parts.value.push({ functionCall: { name: call.function.name, args: args.value } });
  }
  return { ok: true, value: { role: 'model', parts: parts.value } };
}

/** A tool's output as the object `functionResponse.response` must be; anything else is wrapped. */
function toolResponse(text: string): JsonRecord {
  const parsed = parseJson(text);
  if (isRecord(parsed)) return parsed;
  return { result: parsed === undefined ? text : parsed };
}

function contentParts(content: ChatMessage['content'], where: string): ChatResult<GeminiPart[]> {
  if (content === undefined || content === null) return { ok: true, value: [] };
  if (typeof content === 'string') return { ok: true, value: content === '' ? [] : [{ text: content }] };
  const parts: GeminiPart[] = [];
  for (const [k, part] of content.entries()) {
    const converted = toPart(part);
    if (converted === undefined) {
      return { ok: false, error: invalidRequest(`${where}.content[${k}]: Gemini does not accept '${part.type}' parts here`) };
    }
    if (converted !== null) parts.push(converted);
  }
  return { ok: true, value: parts };
}

/**
 * A part for a content part; null to skip, undefined when untranslatable. Images given by URL
 * become `fileData` with a media type guessed from the extension (⚠ Gemini fetches only some
 * URLs; data: URLs are the reliable way).
 */
function toPart(part: ContentPart): GeminiPart | null | undefined {
  if (part.type === 'text') return part.text === '' ? null : { text: part.text };
  if (part.type === 'refusal') return part.refusal === '' ? null : { text: part.refusal };
  if (part.type === 'image_url') {
    const inline = parseDataUrl(part.image_url.url);
    if (inline) return { inlineData: { mimeType: inline.mediaType, data: inline.data } };
    return { fileData: { mimeType: guessImageType(part.image_url.url), fileUri: part.image_url.url } };
  }
  return undefined;
}

const IMAGE_TYPES: Readonly<Record<string, string>> = { png: 'image/png', gif: 'image/gif', webp: 'image/webp', heic: 'image/heic' };

function guessImageType(url: string): string {
  const ext = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase() ?? '';
  return IMAGE_TYPES[ext] ?? 'image/jpeg';
}

function appendMerged(contents: GeminiContent[], next: GeminiContent): void {
  if (next.parts.length === 0) return;
  const last = contents[contents.length - 1];
  if (last && last.role === next.role) last.parts.push(...next.parts);
  else contents.push(next);
}

function generationConfigOf(request: OpenAIChatRequest): JsonRecord {
  const config: JsonRecord = {};
  if (request.temperature != null) config.temperature = request.temperature;
  if (request.top_p != null) config.topP = request.top_p;
  const maxTokens = maxTokensOf(request);
  if (maxTokens !== undefined) config.maxOutputTokens = maxTokens;
  const stop = stopList(request.stop);
  if (stop) config.stopSequences = stop;
  if (request.n != null) config.candidateCount = request.n;
  if (request.presence_penalty != null) config.presencePenalty = request.presence_penalty;
  if (request.frequency_penalty != null) config.frequencyPenalty = request.frequency_penalty;
  if (request.seed != null) config.seed = request.seed;
  const format = request.response_format?.type;
  if (format === 'json_object' || format === 'json_schema') config.responseMimeType = 'application/json';
  return config;
}

/** `tools` → one `functionDeclarations` tool; `tool_choice` → `toolConfig.functionCallingConfig`. */
function toolFields(request: OpenAIChatRequest): JsonRecord {
  const tools = request.tools ?? [];
  if (tools.length === 0) return {};
  const functionDeclarations = tools.map((tool) => {
    const parameters = geminiParameters(tool.function.parameters);
    return {
      name: tool.function.name,
      ...(tool.function.description !== undefined ? { description: tool.function.description } : {}),
      ...(parameters ? { parameters } : {}),
    };
  });
  const choice = request.tool_choice;
  let functionCallingConfig: JsonRecord | undefined;
  if (choice === 'auto') functionCallingConfig = { mode: 'AUTO' };
  else if (choice === 'required') functionCallingConfig = { mode: 'ANY' };
  else if (choice === 'none') functionCallingConfig = { mode: 'NONE' };
  else if (choice != null) functionCallingConfig = { mode: 'ANY', allowedFunctionNames: [choice.function.name] };
  const out: JsonRecord = { tools: [{ functionDeclarations }] };
  if (functionCallingConfig) out.toolConfig = { functionCallingConfig };
  return out;
}
