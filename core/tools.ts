import { z } from 'zod';
import { brief, type Session } from './session.ts';

/**
 * The model's tools. None takes a shopper id: every tool acts for the shopper of the webhook.
 * Arguments are checked with zod; unknown ones are dropped; expected failures come back as
 * values the model can read, never as exceptions in the loop.
 */
const search = z.object({
  query: z.string().max(300).optional().describe('what the shopper is looking for, in their words'),
  category: z.string().max(60).optional().describe('a catalog category'),
  color: z.string().max(40).optional(),
  style: z.string().max(40).optional(),
  min_price: z.number().nonnegative().optional(),
  max_price: z.number().positive().optional(),
  in_stock: z.boolean().optional(),
});
const recommendations = z.object({ product_id: z.string().max(200).optional() });
const details = z.object({ product_id: z.string().min(1).max(200) });
const alert = z.object({ product_id: z.string().min(1).max(200), target_price: z.number().positive().optional(), drop_percent: z.number().min(1).max(90).optional() });
const preference = z.object({
  budget_max: z.number().positive().optional(),
  budget_min: z.number().nonnegative().optional(),
  colors: z.array(z.string().max(40)).max(10).optional(),
  styles: z.array(z.string().max(40)).max(10).optional(),
  categories: z.array(z.string().max(60)).max(10).optional(),
  sizes: z.array(z.string().max(40)).max(10).optional(),
});
const escalate = z.object({ reason: z.string().max(500).default('').describe('why a person is needed') });

interface Tool<S extends z.ZodType> {
  description: string;
  schema: S;
  run(s: Session, args: z.infer<S>): Promise<unknown>;
}

const tool = <S extends z.ZodType>(t: Tool<S>) => t;

/** The JSON Schema the model sees, generated from the zod schema the arguments are checked with, so the two cannot drift. */
export function parametersOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return json;
}

export const TOOLS = {
  search_products: tool({
    description: 'Search the store catalog. Put the shopper’s words in query; use filters for category, colour, style and price (store currency units).',
    schema: search,
    run: async (s, a) => {
      const r = await s.search(a);
      return { count: r.products.length, products: r.products.map(brief), did_you_mean: r.didYouMean };
    },
  }),
  get_recommendations: tool({
    description: 'Suggest products from the shopper’s preferences and history, or products similar to product_id.',
    schema: recommendations,
    run: async (s, a) => ({ products: (await s.recommendations(a)).map(brief) }),
  }),
  get_product_details: tool({
    description: 'Full details of one product; the shopper is shown its card.',
    schema: details,
    run: async (s, a) => {
      const p = await s.product(a.product_id);
      return p ? { product: { ...brief(p), description: p.description, url: p.url, stock: p.stock } } : { error: 'product not found' };
    },
  }),
  set_price_alert: tool({
    description: 'Tell the shopper when a product gets cheaper: any drop, a percentage, or a target price.',
    schema: alert,
    run: async (s, a) => {
      const r = await s.setPriceAlert(a);
      return r.ok ? { ok: true, product_id: r.product.id, kind: r.kind, target_price_text: r.targetText } : r;
    },
  }),
  track_preference: tool({
    description: 'Remember what the shopper told about budget, colours, styles, sizes or categories.',
    schema: preference,
    run: async (s, a) => {
      const prefs = await s.trackPreference({
        budgetMax: a.budget_max,
        budgetMin: a.budget_min,
        colors: a.colors,
        styles: a.styles,
        categories: a.categories,
        sizes: a.sizes,
      });
      return { ok: true, preferences: prefs };
    },
  }),
  escalate_to_manager: tool({
    description: 'Hand the conversation to a store manager when the shopper asks for a person, complains, or you cannot help.',
    schema: escalate,
    run: async (s, a) => s.escalate(a.reason || 'model decided'),
  }),
} as const;

export type ToolName = keyof typeof TOOLS;

const SPECS = (Object.entries(TOOLS) as Array<[ToolName, Tool<z.ZodType>]>).map(([name, t]) => ({
  type: 'function' as const,
  function: { name, description: t.description, parameters: parametersOf(t.schema) },
}));

/** The tools as the chat-completions API takes them (generated once). */
export const toolSpecs = () => SPECS;

/** Runs one tool call; bad JSON, unknown tools and invalid arguments come back as readable errors. */
export async function runTool(s: Session, name: string, rawArgs: string): Promise<unknown> {
  const t = (TOOLS as Record<string, Tool<z.ZodType>>)[name];
  if (!t) return { error: `unknown tool ${name}` };
  let json: unknown;
  try {
    json = rawArgs ? JSON.parse(rawArgs) : {};
  } catch {
    return { error: 'arguments are not valid JSON' };
  }
  const args = t.schema.safeParse(json);
  if (!args.success) return { error: `invalid arguments: ${args.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` };
  try {
    return await t.run(s, args.data);
  } catch (err) {
    return { error: `tool failed: ${(err as Error).message}` };
  }
}
