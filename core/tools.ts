import { z } from 'zod';
import type { AssistantTurn } from './assistant-turn.ts';
import { formatPrice, fromMinor, variantLabel, type Lang, type Product } from './ports.ts';
import type { Vocabulary } from './vocabulary.ts';
import { addToCart, addedPlan, cartFacts, cartView, startCheckout } from './cart.ts';

/** A product as tools report it to the model: facts only, prices in currency units. */
export function brief(p: Product, lang: Lang) {
  return {
    id: p.id,
    name: p.name,
    price: fromMinor(p.price, p.currency),
    price_text: formatPrice(p.price, p.currency, lang),
    old_price: p.oldPrice ? fromMinor(p.oldPrice, p.currency) : null,
    category: p.category,
    brand: p.brand || null,
    color: p.color || null,
    style: p.style || null,
    material: p.material || null,
    in_stock: p.stock > 0,
    ...(p.family
      ? {
          variants: p.family.variants.map((v) => ({
            id: v.id,
            label: variantLabel(v, p.family!),
            price_text: formatPrice(v.price, v.currency, lang),
            in_stock: v.stock > 0,
          })),
        }
      : {}),
  };
}

/**
 * The model's tools. None takes a shopper id: every tool acts for the shopper of the webhook.
 * Arguments are checked with zod; unknown ones are dropped; expected failures come back as
 * values the model can read, never as exceptions in the loop.
 */
/** Categories up to this many are an enum the model must choose from; more are examples. */
const ENUM_MAX = 80;

const valuesOf = (field: string, values: string[], max: number, what: string) => {
  const base = z.string().max(max);
  if (!values.length) return base.optional().describe(what);
  if (field === 'category' && values.length <= ENUM_MAX)
    return z
      .enum(values as [string, ...string[]])
      .optional()
      .describe(what);
  return base
    .optional()
    .describe(`${what}; the catalog's own values include: ${values.slice(0, 30).join(', ')}`)
    .meta({ examples: values.slice(0, 10) });
};

/** search_products' arguments, with the catalog's categories as an enum and its colours, styles and brands as examples. */
function searchSchema(v: Vocabulary) {
  return z.object({
    query: z.string().max(300).optional().describe('what the shopper is looking for, in their words, with model names and numbers'),
    category: valuesOf('category', v.values('category'), 100, 'a catalog category'),
    brand: valuesOf('brand', v.values('brand'), 100, 'a brand'),
    color: valuesOf('color', v.values('color'), 60, 'a colour'),
    style: valuesOf('style', v.values('style'), 60, 'a style'),
    min_price: z.number().nonnegative().optional().describe('store currency units'),
    max_price: z.number().positive().optional().describe('store currency units'),
    in_stock: z.boolean().optional(),
    refine: z
      .enum(['cheaper', 'pricier', 'bigger', 'smaller', 'other'])
      .optional()
      .describe(
        'a follow-up on the products shown last ("cheaper?", "bigger?", "in black?"): searches their category for cheaper, pricier, bigger, smaller or other ones, with the other filters applied',
      ),
  });
}
const searchBase = searchSchema({ values: () => [] } as unknown as Vocabulary);
const recommendations = z.object({ product_id: z.string().max(200).optional() });
const details = z.object({ product_id: z.string().min(1).max(200) });
const alert = z.object({
  product_id: z.string().min(1).max(200),
  target_price: z.number().positive().optional(),
  drop_percent: z.number().min(1).max(90).optional(),
});
const preference = z.object({
  budget_max: z.number().positive().optional(),
  budget_min: z.number().nonnegative().optional(),
  colors: z.array(z.string().max(40)).max(10).optional(),
  styles: z.array(z.string().max(40)).max(10).optional(),
  categories: z.array(z.string().max(60)).max(10).optional(),
  sizes: z.array(z.string().max(40)).max(10).optional(),
});
const addToCartArgs = z.object({
  product_id: z.string().min(1).max(200),
  quantity: z.number().int().min(0).max(999).optional().describe('how many; with set_quantity, the new quantity (0 removes the product)'),
  set_quantity: z.boolean().optional().describe('true: quantity replaces the quantity in the cart; false or absent: quantity is added'),
});
const noArgs = z.object({});
const escalate = z.object({ reason: z.string().max(500).default('').describe('why a person is needed') });

interface Tool<S extends z.ZodType> {
  description: string;
  schema: S;
  run(s: AssistantTurn, args: z.infer<S>): Promise<unknown>;
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
    schema: searchBase,
    run: async (s, a) => {
      const { refine, ...args } = a as typeof a & { refine?: 'cheaper' | 'pricier' | 'bigger' | 'smaller' | 'other' };
      const r = (refine ? await s.followUp(args.query ?? '', new Set(refine === 'other' ? [] : [refine]), args) : null) ?? (await s.search(args));
      return {
        count: r.products.length,
        products: r.products.map((p) => brief(p, s.lang)),
        did_you_mean: r.didYouMean,
        ...(r.notSold
          ? {
              not_sold: r.notSold.words,
              store_sells: r.notSold.categories,
              note: 'the store does not sell this: say so and name what it sells; show no products',
            }
          : {}),
        ...(r.relaxed.length
          ? {
              relaxed: r.relaxed.map((x) => `${x.what}: ${x.said}`),
              note: 'nothing matched every filter; these match without the relaxed ones — tell the shopper',
            }
          : {}),
      };
    },
  }),
  get_recommendations: tool({
    description: 'Suggest products from the shopper’s preferences and history, or products similar to product_id.',
    schema: recommendations,
    run: async (s, a) => ({ products: (await s.recommendations(a)).map((p) => brief(p, s.lang)) }),
  }),
  get_product_details: tool({
    description: 'Full details of one product; the shopper is shown its card.',
    schema: details,
    run: async (s, a) => {
      const p = await s.product(a.product_id);
      return p
        ? { product: { ...brief(p, s.lang), description: p.description, url: p.url, stock: p.stock, attributes: p.attributes, tags: p.tags } }
        : { error: 'product not found' };
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
  add_to_cart: tool({
    description:
      'Put a product in the shopper’s cart ("add it", "two of these", "one more"), or change its quantity. The shopper sees the cart buttons after your words.',
    schema: addToCartArgs,
    run: async (s, a) => {
      const r = await addToCart(s, a.product_id, { quantity: a.quantity ?? 1, set: a.set_quantity ?? a.quantity === 0 });
      s.buttons = addedPlan(s, r).buttons;
      return r.ok
        ? { ok: true, product_id: r.product.id, quantity_in_cart: r.quantity, capped_to_stock: r.capped, cart: await cartFacts(s) }
        : { ok: false, error: r.error };
    },
  }),
  view_cart: tool({
    description: 'What is in the shopper’s cart: lines, quantities and the total. The shopper is shown the cart with checkout buttons.',
    schema: noArgs,
    run: async (s) => {
      s.buttons = (await cartView(s)).buttons;
      return await cartFacts(s);
    },
  }),
  checkout: tool({
    description:
      'Start checkout when the shopper wants to order what is in the cart: the lines are checked against the catalog and the shopper is asked delivery or pickup with buttons. Tell them what changed, if anything.',
    schema: noArgs,
    run: async (s) => {
      const plan = await startCheckout(s);
      s.buttons = plan.buttons;
      return { started: !!plan.buttons, said: plan.text };
    },
  }),
  escalate_to_manager: tool({
    description: 'Hand the conversation to a store manager when the shopper asks for a person, complains, or you cannot help.',
    schema: escalate,
    run: async (s, a) => s.escalate(a.reason || 'model decided'),
  }),
} as const;

export type ToolName = keyof typeof TOOLS;

/** Each tool's schema for a vocabulary: search_products carries the catalog's values. */
function schemaFor(name: ToolName, v: Vocabulary): z.ZodType {
  return name === 'search_products' ? searchSchema(v) : TOOLS[name].schema;
}

const specsCache = new WeakMap<Vocabulary, { specs: ReturnType<typeof buildSpecs>; schemas: Map<string, z.ZodType> }>();
const buildSpecs = (schemas: Map<string, z.ZodType>) =>
  (Object.entries(TOOLS) as Array<[ToolName, Tool<z.ZodType>]>).map(([name, t]) => ({
    type: 'function' as const,
    function: { name, description: t.description, parameters: parametersOf(schemas.get(name)!) },
  }));

function forVocabulary(v: Vocabulary) {
  let c = specsCache.get(v);
  if (!c) {
    const schemas = new Map((Object.keys(TOOLS) as ToolName[]).map((n) => [n, schemaFor(n, v)]));
    specsCache.set(v, (c = { specs: buildSpecs(schemas), schemas }));
  }
  return c;
}

/** The tools as the chat-completions API takes them, generated once per vocabulary. */
export const toolSpecs = (v: Vocabulary) => forVocabulary(v).specs;

/** Runs one tool call; bad JSON, unknown tools and invalid arguments come back as readable errors. */
export async function runTool(s: AssistantTurn, name: string, rawArgs: string): Promise<unknown> {
  const t = (TOOLS as Record<string, Tool<z.ZodType>>)[name];
  if (!t) return { error: `unknown tool ${name}` };
  const schema = forVocabulary(s.vocabulary).schemas.get(name)!;
  let json: unknown;
  try {
    json = rawArgs ? JSON.parse(rawArgs) : {};
  } catch {
    return { error: 'arguments are not valid JSON' };
  }
  const args = schema.safeParse(json);
  if (!args.success) return { error: `invalid arguments: ${args.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` };
  try {
    return await t.run(s, args.data);
  } catch (err) {
    return { error: `tool failed: ${(err as Error).message}` };
  }
}
