import { randomBytes } from 'node:crypto';
import { ConflictError } from '../errors.ts';
import { iso, query, sql, type Tx } from '../db/database.ts';
import type { CheckoutState } from './cart-repo.ts';
import type { orders } from '../db/schema.ts';
import type { SqlRow } from '../db/sql-row.ts';

export const ORDER_STATUSES = ['new', 'confirmed', 'paid', 'shipped', 'delivered', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * An order moves forward only: new → confirmed → paid → shipped → delivered; a step may be
 * skipped (pay on delivery is shipped before paid), and anything not yet delivered may be
 * cancelled. Delivered and cancelled are final.
 */
const NEXT: Record<OrderStatus, OrderStatus[]> = {
  new: ['confirmed', 'paid', 'shipped', 'delivered', 'cancelled'],
  confirmed: ['paid', 'shipped', 'delivered', 'cancelled'],
  paid: ['shipped', 'delivered', 'cancelled'],
  shipped: ['delivered', 'paid', 'cancelled'],
  delivered: [],
  cancelled: [],
};
export const canMove = (from: OrderStatus, to: OrderStatus) => NEXT[from].includes(to);

export interface OrderLine {
  productId: string;
  name: string;
  /** Minor units, as confirmed. */
  price: number;
  quantity: number;
}

export interface Order {
  id: number;
  number: string;
  shopperKey: string;
  status: OrderStatus;
  fulfilment: 'delivery' | 'pickup';
  address: string | null;
  customerName: string;
  total: number;
  currency: string;
  language: string;
  paymentUrl: string | null;
  invoiceToken: string;
  crmDealId: string | null;
  createdAt: Date;
  updatedAt: Date;
  lines: OrderLine[];
  /** Status history, oldest first. */
  history: Array<{ status: string; by: string; at: Date }>;
}

export interface OrderDraft {
  /** The confirming message's effect key: the same key never places a second order. */
  sourceKey: string;
  number: string;
  shopperKey: string;
  checkout: CheckoutState & { fulfilment: 'delivery' | 'pickup'; name: string };
  lines: OrderLine[];
  currency: string;
  language: string;
  paymentUrl: string | null;
  invoiceToken: string;
  at: Date;
}

/** A readable order number from a sequence; a turn that dies before its commit leaves a gap, never a double. */
export async function nextOrderNumber(db: Tx): Promise<string> {
  const [r] = await query<{ n: string | number }>(db, sql`select nextval('order_numbers') as n`);
  return String(r!.n);
}

export const newInvoiceToken = () => randomBytes(18).toString('base64url');

/** Stock ran out between the summary and the commit: the turn is retried and the shopper told what changed. */
export class StockChanged extends Error {}

/**
 * Places the order in the turn's transaction: the order, its lines at the confirmed prices, its
 * first history row, the stock reserved, the cart emptied. A second call with the same source
 * key changes nothing and returns null.
 */
export async function placeOrder(tx: Tx, d: OrderDraft): Promise<number | null> {
  const total = d.lines.reduce((s, l) => s + l.price * l.quantity, 0);
  const lines = JSON.stringify(d.lines.map((l, i) => ({ line: i + 1, product_id: l.productId, name: l.name, price: l.price, quantity: l.quantity })));
  const at = iso(d.at);
  // One statement (one round trip): data-modifying CTEs all see the order row `o`; with a
  // repeated source key there is no `o` and nothing else happens.
  const [row] = await query<{ id: string | number | null; reserved: number; wanted: number }>(
    tx,
    sql`with o as (
      insert into orders (number, source_key, shopper_key, fulfilment, address, location, customer_name, total, currency, language, payment_url, invoice_token, created_at, updated_at)
      values (${d.number}, ${d.sourceKey}, ${d.shopperKey}, ${d.checkout.fulfilment}, ${d.checkout.address ?? null}, ${d.checkout.location ? JSON.stringify(d.checkout.location) : null}::jsonb,
        ${d.checkout.name}, ${total}, ${d.currency}, ${d.language}, ${d.paymentUrl}, ${d.invoiceToken}, ${at}::timestamptz, ${at}::timestamptz)
      on conflict (source_key) do nothing returning id
    ),
    x as (select * from jsonb_to_recordset(${lines}::jsonb) as x(line int, product_id text, name text, price bigint, quantity int)),
    want as (select product_id, sum(quantity)::int as quantity from x group by product_id),
    l as (insert into order_lines (order_id, line, product_id, name, price, quantity) select o.id, x.line, x.product_id, x.name, x.price, x.quantity from o, x),
    r as (
      update products p set stock = p.stock - w.quantity, updated_at = ${at}::timestamptz
      from want w where p.id = w.product_id and p.stock >= w.quantity and exists (select 1 from o) returning p.id
    ),
    e as (insert into order_events (order_id, status, by, at) select o.id, 'new', 'shopper', ${at}::timestamptz from o),
    c as (delete from cart_lines where shopper_key = ${d.shopperKey} and exists (select 1 from o)),
    k as (update carts set checkout = null where shopper_key = ${d.shopperKey} and exists (select 1 from o))
    select (select id from o) as id, (select count(*) from r)::int as reserved, (select count(*) from want)::int as wanted`,
  );
  if (!row || row.id === null) return null;
  // reserve every line or none: a product sold out since the summary fails the whole turn
  if (Number(row.reserved) !== Number(row.wanted)) throw new StockChanged(`stock changed for order ${d.number}`);
  return Number(row.id);
}

/** An order as `SELECT` reads it, with its lines and history gathered as JSON. */
type RawOrder = Pick<
  SqlRow<typeof orders.$inferSelect>,
  | 'id'
  | 'number'
  | 'shopper_key'
  | 'status'
  | 'fulfilment'
  | 'address'
  | 'customer_name'
  | 'total'
  | 'currency'
  | 'language'
  | 'payment_url'
  | 'invoice_token'
  | 'crm_deal_id'
  | 'created_at'
  | 'updated_at'
> & {
  lines: OrderLine[] | string | null;
  history: Array<{ status: string; by: string; at: string }> | string | null;
};

const json = <T>(v: T | string | null): T | null => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

const SELECT = sql`select o.id, o.number, o.shopper_key, o.status, o.fulfilment, o.address, o.customer_name, o.total, o.currency, o.language, o.payment_url, o.invoice_token, o.crm_deal_id, o.created_at, o.updated_at,
  (select json_agg(json_build_object('productId', l.product_id, 'name', l.name, 'price', l.price, 'quantity', l.quantity) order by l.line) from order_lines l where l.order_id = o.id) as lines,
  (select json_agg(json_build_object('status', e.status, 'by', e.by, 'at', e.at) order by e.id) from order_events e where e.order_id = o.id) as history
  from orders o`;

function toOrder(r: RawOrder): Order {
  return {
    id: Number(r.id),
    number: r.number,
    shopperKey: r.shopper_key,
    status: r.status,
    fulfilment: r.fulfilment,
    address: r.address,
    customerName: r.customer_name,
    total: Number(r.total),
    currency: r.currency,
    language: r.language,
    paymentUrl: r.payment_url,
    invoiceToken: r.invoice_token,
    crmDealId: r.crm_deal_id,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
    lines: (json(r.lines) ?? []).map((l) => ({ ...l, price: Number(l.price), quantity: Number(l.quantity) })),
    history: (json(r.history) ?? []).map((h) => ({ ...h, at: new Date(h.at) })),
  };
}

export async function getOrder(db: Tx, by: { number: string } | { invoiceToken: string } | { id: number }): Promise<Order | null> {
  const where = 'number' in by ? sql`o.number = ${by.number}` : 'invoiceToken' in by ? sql`o.invoice_token = ${by.invoiceToken}` : sql`o.id = ${by.id}`;
  const [r] = await query<RawOrder>(db, sql`${SELECT} where ${where}`);
  return r ? toOrder(r) : null;
}

export async function listOrders(db: Tx, opts: { status?: OrderStatus; shopperKey?: string; limit?: number } = {}): Promise<Order[]> {
  const conds = [opts.status ? sql`o.status = ${opts.status}` : sql`true`, opts.shopperKey ? sql`o.shopper_key = ${opts.shopperKey}` : sql`true`];
  const rows = await query<RawOrder>(db, sql`${SELECT} where ${sql.join(conds, sql` and `)} order by o.id desc limit ${opts.limit ?? 100}`);
  return rows.map(toOrder);
}

/**
 * Moves an order to `to` (locked, so two managers cannot both move it) and records who did.
 * Returns the order as it was before, or throws ConflictError for a move the order cannot make.
 * Moving to the status it already has returns null: a repeated call changes nothing.
 */
export async function moveOrder(tx: Tx, number: string, to: OrderStatus, by: string, at: Date): Promise<{ before: OrderStatus; id: number } | null> {
  const [r] = await query<{ id: string | number; status: OrderStatus }>(tx, sql`select id, status from orders where number = ${number} for update`);
  if (!r) return null;
  if (r.status === to) return { before: to, id: Number(r.id) };
  if (!canMove(r.status, to)) throw new ConflictError(`order ${number} is ${r.status}: it cannot become ${to}`);
  await tx.execute(sql`update orders set status = ${to}, updated_at = ${iso(at)}::timestamptz where id = ${r.id}`);
  await tx.execute(sql`insert into order_events (order_id, status, by, at) values (${r.id}, ${to}, ${by}, ${iso(at)}::timestamptz)`);
  // a cancelled order gives its reserved stock back
  if (to === 'cancelled')
    await tx.execute(
      sql`update products p set stock = p.stock + l.quantity from (select product_id, sum(quantity)::int as quantity from order_lines where order_id = ${r.id} group by product_id) l where p.id = l.product_id`,
    );
  return { before: r.status, id: Number(r.id) };
}

/** Orders not yet a Bitrix24 deal, oldest first. */
export async function ordersWithoutDeal(db: Tx, limit: number): Promise<Array<{ id: number; number: string }>> {
  const rows = await query<{ id: string | number; number: string }>(
    db,
    sql`select id, number from orders where crm_deal_id is null order by id limit ${limit}`,
  );
  return rows.map((r) => ({ id: Number(r.id), number: r.number }));
}

export async function setDeal(db: Tx, id: number, dealId: string): Promise<void> {
  await db.execute(sql`update orders set crm_deal_id = ${dealId} where id = ${id} and crm_deal_id is null`);
}
