import { getProducts, type Product } from '../catalog/catalog-repo.ts';
import { iso, query, sql, type Tx } from '../db/database.ts';

/** A cart line with the product as the catalog has it now (null: gone or hidden from the store). */
export interface CartLine {
  productId: string;
  /** The product's name, also when it has left the store (its id when it is deleted). */
  name: string;
  quantity: number;
  /** The price the shopper saw (minor units). */
  seenPrice: number;
  product: Product | null;
  updatedAt: Date;
}

/**
 * Where a checkout stands, kept with the cart (carts.checkout) so it survives restarts and is
 * read with the inbox claim. `step` is what was asked last.
 */
export interface CheckoutState {
  step: 'fulfilment' | 'address' | 'name' | 'confirm';
  fulfilment?: 'delivery' | 'pickup';
  address?: string;
  location?: { latitude: number; longitude: number; name?: string; address?: string };
  name?: string;
}

/** The cart's lines, last changed first, with their products (one query for lines, one for products). */
export async function readCart(db: Tx, shopperKey: string): Promise<CartLine[]> {
  const rows = await query<{ product_id: string; quantity: number; seen_price: string | number; active: boolean | null; updated_at: string | Date }>(
    db,
    sql`select l.product_id, l.quantity, l.seen_price, p.active, l.updated_at from cart_lines l left join products p on p.id = l.product_id
    where l.shopper_key = ${shopperKey} order by l.updated_at desc, l.product_id`,
  );
  if (!rows.length) return [];
  const products = new Map(
    (
      await getProducts(
        db,
        rows.map((r) => r.product_id),
      )
    ).map((p) => [p.id, p]),
  );
  return rows.map((r) => ({
    productId: r.product_id,
    name: products.get(r.product_id)?.name ?? r.product_id,
    quantity: Number(r.quantity),
    seenPrice: Number(r.seen_price),
    product: r.active ? (products.get(r.product_id) ?? null) : null,
    updatedAt: new Date(r.updated_at),
  }));
}

/** The cart changed: the abandoned-cart clock restarts and its reminder may go again. */
const touch = (shopperKey: string, now: Date) =>
  sql`insert into carts (shopper_key, changed_at) values (${shopperKey}, ${iso(now)}::timestamptz)
    on conflict (shopper_key) do update set changed_at = excluded.changed_at, reminded_at = null, remind_after = null, reminder_attempts = 0`;

/** Sets lines' quantities (0 removes the line); `replace` first empties the cart (an inbound WhatsApp order). */
export async function setCartLines(
  tx: Tx,
  shopperKey: string,
  lines: Array<{ productId: string; quantity: number; seenPrice: number }>,
  now: Date,
  opts: { replace?: boolean } = {},
): Promise<void> {
  if (opts.replace) await tx.execute(sql`delete from cart_lines where shopper_key = ${shopperKey}`);
  const keep = lines.filter((l) => l.quantity > 0);
  const drop = lines.filter((l) => l.quantity <= 0).map((l) => l.productId);
  if (keep.length)
    await tx.execute(
      sql`insert into cart_lines (shopper_key, product_id, quantity, seen_price, added_at, updated_at)
      select ${shopperKey}, x.product_id, x.quantity, x.seen_price, ${iso(now)}::timestamptz, ${iso(now)}::timestamptz
      from jsonb_to_recordset(${JSON.stringify(keep.map((l) => ({ product_id: l.productId, quantity: l.quantity, seen_price: l.seenPrice })))}::jsonb) as x(product_id text, quantity int, seen_price bigint)
      on conflict (shopper_key, product_id) do update set quantity = excluded.quantity, seen_price = excluded.seen_price, updated_at = excluded.updated_at`,
    );
  if (drop.length)
    await tx.execute(
      sql`delete from cart_lines where shopper_key = ${shopperKey} and product_id in (select jsonb_array_elements_text(${JSON.stringify(drop)}::jsonb))`,
    );
  await tx.execute(touch(shopperKey, now));
}

export async function clearCart(tx: Tx, shopperKey: string): Promise<void> {
  await tx.execute(sql`delete from cart_lines where shopper_key = ${shopperKey}`);
  await tx.execute(sql`update carts set checkout = null, reminded_at = null, remind_after = null where shopper_key = ${shopperKey}`);
}

/** Saves where the checkout stands (null: no checkout under way). */
export async function saveCheckout(tx: Tx, shopperKey: string, state: CheckoutState | null, now: Date): Promise<void> {
  await tx.execute(
    sql`insert into carts (shopper_key, checkout, changed_at) values (${shopperKey}, ${state ? JSON.stringify(state) : null}::jsonb, ${iso(now)}::timestamptz)
    on conflict (shopper_key) do update set checkout = excluded.checkout`,
  );
}
