import { describePreferences } from './memory.ts';
import type { ChatMessage, ChatModel } from './ports.ts';
import type { ReplyPlan } from './render.ts';
import type { AssistantTurn } from './assistant-turn.ts';
import { runTool, toolSpecs } from './tools.ts';

export const LANGUAGE_NAME = { ru: 'Russian', kk: 'Kazakh', en: 'English' } as const;

export interface LlmOptions {
  model: ChatModel;
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

/**
 * The model with tools. The loop is bounded; each call has a timeout; token usage is
 * reported. The model writes the words; the products come from the tools, never from it.
 */
export async function llmAnswer(s: AssistantTurn, text: string, o: LlmOptions): Promise<{ plan: ReplyPlan; usage: LlmUsage }> {
  const p = s.profile;
  const categories = s.vocabulary.values('category');
  const messages: ChatMessage[] = [
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
      (e): ChatMessage =>
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
    const res = await o.model.complete({ messages, tools: last ? undefined : tools, timeoutMs: o.timeoutMs });
    usage.calls++;
    usage.promptTokens += res.usage.prompt;
    usage.completionTokens += res.usage.completion;
    const msg = res.message;
    if (!msg) throw new Error('model answered without a message');
    const calls = msg.toolCalls;
    if (calls.length === 0 || last) {
      return { plan: { text: msg.content ?? '', products: s.shown, buttons: s.buttons, after: s.after }, usage };
    }
    messages.push({ role: 'assistant', content: msg.content, toolCalls: calls });
    for (const call of calls) {
      const result = await runTool(s, call.name, call.arguments);
      messages.push({ role: 'tool', toolCallId: call.id, content: JSON.stringify(result) });
    }
  }
  throw new Error('unreachable');
}
