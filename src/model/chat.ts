/**
 * The chat model port, as core/ sees it (through core/ports.ts): our own shapes, so the
 * assistant's decisions never name a provider's SDK.
 */

/** A tool call the model asked for: the tool's name and its arguments as JSON text. */
export interface ChatToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** The conversation as the model port takes it. */
export type ChatMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string | null; toolCalls?: ChatToolCall[] }
  | { role: 'tool'; toolCallId: string; content: string };

/** The chat model (src/model/openai-chat.ts): one completion, with the tools offered, and its token usage. */
export interface ChatModel {
  /** The model's name, as usage is priced (rates.yaml). */
  readonly name: string;
  complete(req: { messages: ChatMessage[]; tools?: unknown[]; timeoutMs: number }): Promise<{
    message: { content: string | null; toolCalls: ChatToolCall[] } | null;
    usage: { prompt: number; completion: number };
  }>;
}
