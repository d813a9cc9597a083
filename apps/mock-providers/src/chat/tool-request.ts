import { bodyRecord, records } from './chat-plan.js';

/**
 * The tools a chat request offers, read in each provider's own shape (providers.md §1–§4):
 * OpenAI-compatible `tools[].function.name` and `tool_choice: "none"`, a last message of role
 * `tool`; Anthropic `tools[].name`, `tool_choice.type: "none"`, a last user message holding a
 * `tool_result` block; Gemini `tools[].functionDeclarations[].name`,
 * `toolConfig.functionCallingConfig.mode: "NONE"`, a last content holding a `functionResponse`.
 */
export interface ToolRequest {
  /** Names of the declared tools, in order. */
  declared: string[];
  /** The request forbids tool calls. */
  choiceNone: boolean;
  /** The last message is a tool's result: the model answers in text (else a client loops). */
  answered: boolean;
}

export function openAiToolRequest(body: Record<string, unknown>): ToolRequest {
  const declared = records(body.tools).flatMap((t) => name(bodyRecord(t.function).name));
  const last = records(body.messages).at(-1);
  return { declared, choiceNone: body.tool_choice === 'none', answered: last?.role === 'tool' };
}

export function anthropicToolRequest(body: Record<string, unknown>): ToolRequest {
  const declared = records(body.tools).flatMap((t) => name(t.name));
  const last = records(body.messages).at(-1);
  const answered = last?.role === 'user' && records(last.content).some((block) => block.type === 'tool_result');
  return { declared, choiceNone: bodyRecord(body.tool_choice).type === 'none', answered };
}

export function geminiToolRequest(body: Record<string, unknown>): ToolRequest {
  const declared = records(body.tools).flatMap((t) => records(t.functionDeclarations).flatMap((d) => name(d.name)));
  const mode = bodyRecord(bodyRecord(body.toolConfig).functionCallingConfig).mode;
  const last = records(body.contents).at(-1);
  const answered = last !== undefined && records(last.parts).some((part) => 'functionResponse' in part);
  return { declared, choiceNone: mode === 'NONE', answered };
}

function name(value: unknown): string[] {
  return typeof value === 'string' && value !== '' ? [value] : [];
}
