import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { outboundFetch } from '../outbound-fetch.ts';
import type { ChatMessage, ChatModel } from './chat.ts';

/** What each model call reports to /metrics. */
export interface ModelObserver {
  call(endpoint: string, outcome: string, seconds: number): void;
  tokens(endpoint: string, prompt: number, completion: number): void;
}

/**
 * Builds the OpenAI client once (the SDK, pointed at OPENAI_BASE_URL when set, over the pooled
 * outbound fetch). Every call, chat, transcription or vision, passes through one fetch that
 * reports its time, outcome and token usage, so no call site can forget to.
 */
export function createOpenAI(opts: { apiKey: string; baseURL?: string; timeoutMs: number; observe?: ModelObserver }): OpenAI {
  const observe = opts.observe;
  const observed: typeof fetch = observe
    ? async (input, init) => {
        const endpoint = new URL(input instanceof Request ? input.url : String(input)).pathname.split('/').slice(-2).join('/');
        const started = performance.now();
        const took = () => (performance.now() - started) / 1000;
        let res: Response;
        try {
          res = await outboundFetch(input, init);
        } catch (err) {
          const name = (err as Error).name;
          observe.call(endpoint, name === 'AbortError' || name === 'TimeoutError' ? 'timeout' : 'network', took());
          throw err;
        }
        observe.call(endpoint, res.ok ? 'ok' : `http_${res.status}`, took());
        if (!res.ok || !res.headers.get('content-type')?.includes('json')) return res;
        // Read once, before the SDK does, so usage is counted by the time the call returns; the
        // SDK parses the same text (a clone would tee the stream and parse it twice).
        const body = await res.text();
        const usage = body.slice(body.lastIndexOf('"usage"'));
        const tokens = (name: string) => Number(usage.match(new RegExp(`"${name}"\\s*:\\s*(\\d+)`))?.[1] ?? 0);
        if (usage.startsWith('"usage"')) observe.tokens(endpoint, tokens('prompt_tokens'), tokens('completion_tokens'));
        return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
      }
    : outboundFetch;
  return new OpenAI({ apiKey: opts.apiKey, baseURL: opts.baseURL, timeout: opts.timeoutMs, maxRetries: 0, fetch: observed });
}

/**
 * The chat model port over OpenAI's chat completions (or any server speaking them): our
 * messages as the API's, its answer and usage as ours. No retries (the SDK's are off): a failed
 * call is the offline assistant's turn.
 */
export function openAIChat(client: OpenAI, model: string): ChatModel {
  const toApi = (m: ChatMessage): ChatCompletionMessageParam =>
    m.role === 'tool'
      ? { role: 'tool', tool_call_id: m.toolCallId, content: m.content }
      : m.role === 'assistant'
        ? {
            role: 'assistant',
            content: m.content,
            ...(m.toolCalls?.length
              ? { tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } })) }
              : {}),
          }
        : { role: m.role, content: m.content };
  return {
    name: model,
    async complete({ messages, tools, timeoutMs }) {
      const res = await client.chat.completions.create(
        { model, messages: messages.map(toApi), ...(tools ? { tools: tools as ChatCompletionTool[], tool_choice: 'auto' as const } : {}) },
        { timeout: timeoutMs },
      );
      const msg = res.choices[0]?.message;
      return {
        message: msg
          ? {
              content: msg.content ?? null,
              toolCalls: (msg.tool_calls ?? []).flatMap((c) =>
                c.type === 'function' ? [{ id: c.id, name: c.function.name, arguments: c.function.arguments }] : [],
              ),
            }
          : null,
        usage: { prompt: res.usage?.prompt_tokens ?? 0, completion: res.usage?.completion_tokens ?? 0 },
      };
    },
  };
}
