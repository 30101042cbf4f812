import { existsSync } from 'node:fs';
import { z } from 'zod';
import type { Preferences } from '../shoppers/shopper-repo.ts';
import { query, sql, type Tx } from '../db/database.ts';
import { readYamlFile } from '../yaml-file.ts';
import { getProducts, type Product } from './catalog-repo.ts';
import { toMinor } from './money.ts';

/** Categories that go with a category (sofa → coffee table), from the store folder's recommendations.yaml. */
export function loadComplements(path: URL | string): Record<string, string[]> {
  if (!existsSync(path)) return {};
  return readYamlFile(
    path,
    z
      .object({ complements: z.record(z.string(), z.array(z.string())).default({}) })
      .nullable()
      .transform((v) => v ?? { complements: {} }),
  ).complements;
}

/**
 * Recommendations from preferences (budget, colours, styles, categories), viewed categories,
 * complementary categories and "shoppers who viewed X also viewed Y"; never what the shopper
 * already viewed, only what is in stock and within budget. Products like one product are
 * AssistantTurn.similar's.
 */
export async function recommend(
  db: Tx,
  opts: { shopper: string; prefs: Preferences; limit?: number; complements?: Record<string, string[]>; currency: string },
): Promise<Product[]> {
  const complements = opts.complements ?? {};
  const viewedCats = await query<{ category: string }>(
    db,
    sql`select p.category from product_views v join products p on p.id = v.product_id where v.shopper_key = ${opts.shopper}
    group by p.category order by max(v.at) desc limit 5`,
  );
  const main = [...new Set([...opts.prefs.categories, ...viewedCats.map((r) => r.category)])];
  const side = [...new Set(main.flatMap((c) => complements[c] ?? []))].filter((c) => !main.includes(c));
  const colors = opts.prefs.colors;
  const styles = opts.prefs.styles;
  const budget = opts.prefs.budgetMax ? toMinor(opts.prefs.budgetMax, opts.currency) : null;
  const j = (xs: string[]) => JSON.stringify(xs.filter(Boolean));
  const rows = await query<{ id: string }>(
    db,
    sql`with viewed as (select distinct product_id from product_views where shopper_key = ${opts.shopper}),
    co as (
      select v2.product_id, count(*) as c from product_views v1
      join product_views v2 on v2.shopper_key = v1.shopper_key and v2.product_id <> v1.product_id
      where v1.product_id in (select product_id from viewed)
      group by v2.product_id
    ),
    cats as (select jsonb_array_elements_text(${j(main)}::jsonb) as c),
    side as (select jsonb_array_elements_text(${j(side)}::jsonb) as c)
    select p.id from products p left join co on co.product_id = p.id
    where p.stock > 0 and p.active
      and p.id not in (select product_id from viewed)
      and (${budget}::bigint is null or p.price <= ${budget}::bigint)
      and (p.category in (select c from cats) or p.category in (select c from side) or co.c is not null
        or (select count(*) from cats) = 0)
    order by
      (case when p.category in (select c from cats) then 3 when p.category in (select c from side) then 1.5 else 0 end)
      + (case when p.color in (select jsonb_array_elements_text(${j(colors)}::jsonb)) then 2 else 0 end)
      + (case when p.style in (select jsonb_array_elements_text(${j(styles)}::jsonb)) then 2 else 0 end)
      + least(coalesce(co.c, 0), 5) desc,
      (p.old_price is not null) desc, p.price asc, p.id
    limit ${Math.min(opts.limit ?? 10, 10)}`,
  );
  return getProducts(
    db,
    rows.map((r) => r.id),
  );
}
