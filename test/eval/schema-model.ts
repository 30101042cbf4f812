import type { Scripted } from '../fakes/openai.ts';

/**
 * A stand-in for a chat model in the store eval: it knows nothing of any store, reads only what
 * the service sends it — the system prompt, the conversation with its "[shown: …]" notes, and
 * the tool schemas with the catalog's enums and examples — and calls the tools the way those
 * schemas describe. It picks an enum value or example only when the shopper's words contain it
 * (a real model does better: it also translates), and it never answers a product question
 * without a tool.
 */
const DONE: Record<string, string> = { English: 'Here are some options.', Russian: 'Вот что подобрал.', Kazakh: 'Міне, таңдағандарым.' };
/** What the model says when a search result tells it filters were relaxed (the eval looks for these words). */
export const RELAXED: Record<string, string> = {
  English: 'Nothing matched exactly; here are the closest.',
  Russian: 'Точно такого нет; вот самое близкое.',
  Kazakh: 'Дәл осындай жоқ; міне, ең жақындары.',
};
const NONE: Record<string, string> = { English: 'Sorry, we do not have that.', Russian: 'К сожалению, такого нет.', Kazakh: 'Өкінішке орай, мұндай жоқ.' };
const ORDINALS: Array<[RegExp, number]> = [
  [/\b(first|1st)\b|перв|бірінші/i, 1],
  [/\b(second|2nd)\b|втор|екінші/i, 2],
  [/\b(third|3rd)\b|трет|үшінші/i, 3],
];
const REFINE: Array<[RegExp, string]> = [
  [/cheaper|less expensive|дешевле|подешевле|арзан/i, 'cheaper'],
  [/pricier|more expensive|дороже|қымбат/i, 'pricier'],
  [/bigger|larger|больше|побольше|үлкен/i, 'bigger'],
  [/smaller|меньше|поменьше|кіші/i, 'smaller'],
];
const SIMILAR = /more like this|similar|похож|ұқсас/i;
const BUDGET =
  /(?:under|below|less than|up to|до|не дороже|дешевле)\s*\$?\s*(\d[\d\s]*)\s*(k|к|тыс\S*|мың\S*)?|\$\s*(\d+)|(\d[\d\s]*)\s*(мың\S*)?\s*(?:теңгеге|тенге)?\s*дейін/i;

const norm = (t: string) => t.toLowerCase().replace(/ё/g, 'е');
const mentions = (text: string, value: string) => {
  const t = ` ${norm(text).replace(/[^\p{L}\p{N}]+/gu, ' ')} `;
  return (
    ` ${norm(value).replace(/[^\p{L}\p{N}]+/gu, ' ')} `.trim().length > 1 &&
    t.includes(
      ` ${norm(value)
        .replace(/[^\p{L}\p{N}]+/gu, ' ')
        .trim()} `,
    )
  );
};

export function schemaFollowingModel(body: Record<string, any>): Scripted {
  const messages = body.messages as Array<{ role: string; content: any; tool_calls?: unknown }>;
  const language = /Always answer in (\w+)/.exec(String(messages[0]?.content ?? ''))?.[1] ?? 'English';
  const last = messages[messages.length - 1]!;
  if (last.role === 'tool' || !body.tools) {
    const result = String(last.content ?? '');
    const words = result.includes('"relaxed"') ? RELAXED : /"count":0|"products":\[\]/.test(result) ? NONE : DONE;
    return { content: words[language] ?? words.English! };
  }
  const text = String(last.content);
  const shown =
    [...messages]
      .reverse()
      .map((m) => (m.role === 'assistant' ? /\[shown: (.*)\]/.exec(String(m.content ?? ''))?.[1] : undefined))
      .find(Boolean)
      ?.split('; ')
      .map((x) => x.replace(/^\d+\) /, '').split(' ')[0]!) ?? [];
  const short = text.split(/\s+/).length <= 4;
  if (shown.length && short) {
    for (const [re, n] of ORDINALS) if (re.test(text) && shown[n - 1]) return call('get_product_details', { product_id: shown[n - 1] });
    if (SIMILAR.test(text)) return call('get_recommendations', { product_id: shown[0] });
    for (const [re, refine] of REFINE) if (re.test(text)) return call('search_products', { query: text, refine });
    if (!/\p{L}{5,}/u.test(text.replace(/^(and|а|и)\s+/i, '')) || /^(in|в|во)\s/i.test(text.replace(/^(and|а|и)\s+/i, '')))
      return call('search_products', { query: text, refine: 'other' });
  }
  const props = (
    body.tools as Array<{ function: { name: string; parameters: { properties: Record<string, { enum?: Array<string | null>; examples?: string[] }> } } }>
  ).find((t) => t.function.name === 'search_products')!.function.parameters.properties;
  const args: Record<string, unknown> = { query: text };
  for (const field of ['category', 'brand', 'color', 'style']) {
    const values = (props[field]?.enum ?? props[field]?.examples ?? []).filter((v): v is string => typeof v === 'string');
    const hit = values.find((v) => mentions(text, v));
    if (hit) args[field] = hit;
  }
  const b = BUDGET.exec(text);
  if (b) {
    const n = Number((b[1] ?? b[3] ?? b[4] ?? '').replace(/\s/g, ''));
    const scale = b[2] ?? b[5];
    if (n) args.max_price = scale ? n * 1000 : n;
  }
  return call('search_products', args);
}

const call = (name: string, args: Record<string, unknown>): Scripted => ({ toolCalls: [{ name, args }] });
