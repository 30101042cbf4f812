import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { describePreferences } from './memory.ts';
import type { ReplyPlan } from './render.ts';
import type { Session } from './session.ts';
import { runTool, toolSpecs } from './tools.ts';

export const LANGUAGE_NAME = { ru: 'Russian', kk: 'Kazakh', en: 'English' } as const;

export interface LlmOptions {
  client: OpenAI;
  model: string;
  /** Per model call. */
  timeoutMs: number;
  /** Model calls per turn; the last round is asked to answer without tools. */
  maxRounds: number;
}

export interface LlmUsage {
  promptTokens: number;
  completionTokens: number;
  calls: number;
}

/** What each model call reports to /metrics. */
export interface ModelObserver {
  call(endpoint: string, outcome: string, seconds: number): void;
  tokens(endpoint: string, prompt: number, completion: number): void;
}

/**
 * Builds the OpenAI client once (the SDK, pointed at OPENAI_BASE_URL when set). Every call,
 * chat, transcription or vision, passes through one fetch that reports its time, outcome and
 * token usage, so no call site can forget to.
 */
export function createOpenAI(opts: { apiKey: string; baseURL?: string; timeoutMs: number; observe?: ModelObserver }): OpenAI {
  const observe = opts.observe;
  const observed: typeof fetch | undefined = observe
    ? async (input, init) => {
        const endpoint = new URL(input instanceof Request ? input.url : String(input)).pathname.split('/').slice(-2).join('/');
        const started = performance.now();
        const took = () => (performance.now() - started) / 1000;
        let res: Response;
        try {
          res = await fetch(input, init);
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
    : undefined;
  return new OpenAI({ apiKey: opts.apiKey, baseURL: opts.baseURL, timeout: opts.timeoutMs, maxRetries: 0, fetch: observed });
}

/**
 * The model with tools. The loop is bounded; each call has a timeout; token usage is
 * reported. The model writes the words; the products come from the tools, never from it.
 */
export async function llmAnswer(s: Session, text: string, o: LlmOptions): Promise<{ plan: ReplyPlan; usage: LlmUsage }> {
  const p = s.profile;
  const categories = s.vocabulary.values('category');
  const messages: ChatCompletionMessageParam[] = [
    {
      role: 'system',
      content: [
        `You are the shopping assistant of "${p.name}", chatting in WhatsApp.${p.sells ? ` The store sells ${p.sells}.` : ''}${categories.length ? ` Catalog categories: ${categories.slice(0, 40).join(', ')}.` : ''} Tone: ${p.tone}.`,
        `Always answer in ${LANGUAGE_NAME[s.lang]}. Prices are in ${s.currency}.`,
        'Use the tools for every product fact; never invent products, prices or ids.',
        'Products your tools return are shown to the shopper right after your text as a list or a product card: do not list them again, write one to three short sentences.',
        'When the shopper states a budget, colour, style or size, call track_preference. Ask for a manager with escalate_to_manager when the shopper wants a person or is unhappy.',
        'When the shopper wants to buy, put the product in the cart with add_to_cart (the product of the card shown, or the one they name); "checkout" or "order it" starts checkout; delivery, address and name are asked with buttons, not by you.',
        'When a search says filters were relaxed, tell the shopper what was not found and what you show instead. For "cheaper", "bigger", "in black" or "more like this", search again in the category of the products shown.',
        `What we know about this shopper: ${describePreferences(s.prefs, s.currency)}.`,
      ].join('\n'),
    },
    ...s.history.map(
      (e): ChatCompletionMessageParam =>
        e.role === 'user'
          ? { role: 'user', content: e.text }
          : { role: 'assistant', content: e.shown?.length ? `${e.text}\n[shown: ${e.shown.map((p, i) => `${i + 1}) ${p.id} ${p.name}`).join('; ')}]` : e.text },
    ),
    { role: 'user', content: text },
  ];
  const usage: LlmUsage = { promptTokens: 0, completionTokens: 0, calls: 0 };
  const tools = toolSpecs(s.vocabulary);
  for (let round = 1; round <= o.maxRounds; round++) {
    const last = round === o.maxRounds;
    const res = await o.client.chat.completions.create(
      { model: o.model, messages, ...(last ? {} : { tools, tool_choice: 'auto' as const }) },
      { timeout: o.timeoutMs },
    );
    usage.calls++;
    usage.promptTokens += res.usage?.prompt_tokens ?? 0;
    usage.completionTokens += res.usage?.completion_tokens ?? 0;
    const msg = res.choices[0]?.message;
    if (!msg) throw new Error('model answered without a message');
    const calls = (msg.tool_calls ?? []).filter((c) => c.type === 'function');
    if (calls.length === 0 || last) {
      return { plan: { text: msg.content ?? '', products: s.shown, buttons: s.buttons, after: s.after }, usage };
    }
    messages.push({ role: 'assistant', content: msg.content ?? null, tool_calls: calls });
    for (const call of calls) {
      const result = await runTool(s, call.function.name, call.function.arguments);
      messages.push({ role: 'tool', tool_call_id: call.id, content: JSON.stringify(result) });
    }
  }
  throw new Error('unreachable');
}
