import { z } from 'zod';
import type { Config } from '../config.ts';
import { LANGS, type Lang } from '../lang.ts';
import type { Logger } from '../log.ts';
import { HotReloaded, readYamlFile } from '../yaml-file.ts';

const lang = z.enum(LANGS);
const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'an IANA time zone such as Asia/Almaty');

const names = z.array(z.string().min(1)).min(1);

const schema = z
  .strictObject({
    name: z.string().min(1).max(100),
    /** One line on what the store sells, for the model and the greeting; empty: computed from the catalog (core/profile-fit.ts). */
    sells: z.string().max(300).default(''),
    tone: z.string().min(1).max(300).default('friendly, brief and helpful, like a good salesperson'),
    languages: z.array(lang).min(1),
    default_language: lang,
    /** The console's and the managers' messages' language; unset: the default language. */
    manager_language: lang.optional(),
    currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as KZT'),
    time_zone: timeZone,
    /** Requests the greeting suggests, per language ("серый диван до 300 тысяч"). */
    examples: z.partialRecord(lang, z.array(z.string().min(1).max(80)).min(1)).default({}),
    /** What the assistant answers without a model, per language: where the store is, when it is open, how it delivers. */
    info: z
      .partialRecord(
        lang,
        z.strictObject({ address: z.string().min(1).max(300), hours: z.string().min(1).max(300), delivery: z.string().min(1).max(600) }).partial(),
      )
      .default({}),
    /** How the store's own system (1C, a feed) is read. */
    catalog_source: z
      .strictObject({
        /** The retail price among 1C's price types (ТипЦены), by name or Ид; unset: the one whose name says retail (lexicon retail_price_types). */
        price_type: z.string().min(1).optional(),
        /** More names of fields in the store's system, beside the lexicon's (Цвет обивки: color). */
        fields: z.strictObject({ color: names, brand: names, material: names, style: names, category: names }).partial().default({}),
        /** 1C's «Статус заказа» values and the order status each means ("[F] Выполнен": delivered). */
        order_statuses: z.record(z.string().min(1), z.enum(['confirmed', 'paid', 'shipped', 'delivered', 'cancelled'])).default({}),
      })
      .default({ fields: {}, order_statuses: {} }),
  })
  .superRefine((p, ctx) => {
    if (!p.languages.includes(p.default_language)) ctx.addIssue({ code: 'custom', path: ['default_language'], message: 'must be one of languages' });
  });

/** The store as the assistant presents it: from store.yaml, with the environment's overrides. */
export interface Profile {
  name: string;
  sells: string;
  tone: string;
  languages: Lang[];
  defaultLanguage: Lang;
  managerLanguage: Lang;
  currency: string;
  timeZone: string;
  examples: Partial<Record<Lang, string[]>>;
  info: Partial<Record<Lang, Partial<Record<StoreInfo, string>>>>;
  catalogSource: CatalogSource;
}

/** How the store's own system is read (store.yaml `catalog_source`). */
export interface CatalogSource {
  priceType: string | null;
  fields: Partial<Record<'color' | 'brand' | 'material' | 'style' | 'category', string[]>>;
  orderStatuses: Record<string, 'confirmed' | 'paid' | 'shipped' | 'delivered' | 'cancelled'>;
}

/** What a shopper asks about the store itself. */
export type StoreInfo = 'address' | 'hours' | 'delivery';

type Overrides = Pick<Config, 'STORE_NAME' | 'STORE_TONE' | 'CURRENCY' | 'DEFAULT_LANGUAGE' | 'TZ'>;

/** Reads and checks store.yaml (a TemplateError names file:line); STORE_NAME, STORE_TONE, CURRENCY, DEFAULT_LANGUAGE and TZ override it. */
export function loadProfile(path: URL | string, env: Partial<Overrides> = {}): Profile {
  const p = readYamlFile(path, schema);
  const defaultLanguage = (env.DEFAULT_LANGUAGE as Lang | undefined) ?? p.default_language;
  return {
    name: env.STORE_NAME ?? p.name,
    sells: p.sells,
    tone: env.STORE_TONE ?? p.tone,
    languages: p.languages.includes(defaultLanguage) ? p.languages : [defaultLanguage, ...p.languages],
    defaultLanguage,
    managerLanguage: p.manager_language ?? defaultLanguage,
    currency: env.CURRENCY ?? p.currency,
    timeZone: env.TZ ?? p.time_zone,
    examples: p.examples,
    info: p.info,
    catalogSource: { priceType: p.catalog_source.price_type ?? null, fields: p.catalog_source.fields, orderStatuses: p.catalog_source.order_statuses },
  };
}

/** The current profile; store.yaml is followed on disk and a bad edit keeps the last good one. */
export class StoreProfile extends HotReloaded<Profile> {
  constructor(opts: { file: URL | string; env: Partial<Overrides>; log: Logger }) {
    super({ file: opts.file, load: () => loadProfile(opts.file, opts.env), log: opts.log, what: 'store profile', describe: (p) => ({ store: p.name }) });
  }
}
