import { plainAmount } from '../catalog/money.ts';
import type { CmlEvent } from '../catalog/commerceml.ts';
import { iso, query, sql, type Tx } from '../db/database.ts';
import type { Order, OrderStatus } from '../orders/order-repo.ts';
import type { CatalogSource } from '../profile/store-profile.ts';

/** Orders 1C has not taken yet (`type=sale&mode=query`), oldest first. */
export async function ordersNotExported(db: Tx, limit: number): Promise<number[]> {
  const rows = await query<{ id: string | number }>(db, sql`select id from orders where exported_at is null order by id limit ${limit}`);
  return rows.map((r) => Number(r.id));
}

/** `mode=success`: 1C took these orders. A repeated call changes nothing. */
export async function markExported(db: Tx, ids: number[], at: Date): Promise<number> {
  if (!ids.length) return 0;
  const [r] = await query<{ n: number }>(
    db,
    sql`with m as (update orders set exported_at = ${iso(at)}::timestamptz where exported_at is null and id in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)::bigint) returning id) select count(*)::int as n from m`,
  );
  return Number(r!.n);
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const el = (name: string, value: string) => `<${name}>${esc(value)}</${name}>`;
const requisite = (name: string, value: string) => `<ЗначениеРеквизита>${el('Наименование', name)}${el('Значение', value)}</ЗначениеРеквизита>`;

/** "2026-12-04" and "14:28:50" in the store's time zone. */
function localDateTime(at: Date, timeZone: string): [string, string] {
  const s = new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(at);
  const [d, t] = s.split(' ');
  return [d!, t!];
}

/**
 * Orders as 1C reads them from a site (CommerceML 2 `Документ`s, the shape 1C-Bitrix answers
 * `mode=query` with): the shopper as the buyer with their phone, the lines by the product's Ид
 * (1C's own for goods it sent), prices as confirmed, delivery or pickup, paid or not.
 */
export function ordersXml(orders: Order[], opts: { timeZone: string; now: Date }): string {
  const [d, t] = localDateTime(opts.now, opts.timeZone);
  const docs = orders.map((o) => {
    const [date, time] = localDateTime(o.createdAt, opts.timeZone);
    const amount = (minor: number) => plainAmount(minor, o.currency);
    const phone = /^\d{6,15}$/.test(o.shopperKey) ? `+${o.shopperKey}` : '';
    const lines = o.lines.map(
      (l) =>
        `<Товар>${el('Ид', l.productId)}${el('Наименование', l.name)}<БазоваяЕдиница Код="796" НаименованиеПолное="Штука" МеждународноеСокращение="PCE">шт</БазоваяЕдиница>` +
        `${el('ЦенаЗаЕдиницу', amount(l.price))}${el('Количество', String(l.quantity))}${el('Сумма', amount(l.price * l.quantity))}` +
        `<ЗначенияРеквизитов>${requisite('ВидНоменклатуры', 'Товар')}${requisite('ТипНоменклатуры', 'Товар')}</ЗначенияРеквизитов></Товар>`,
    );
    const requisites = [
      requisite('Способ доставки', o.fulfilment === 'pickup' ? 'Самовывоз' : 'Доставка'),
      requisite('Метод оплаты', o.paymentUrl ? 'Оплата по ссылке' : 'При получении'),
      requisite('Заказ оплачен', String(['paid', 'delivered'].includes(o.status))),
      requisite('Отменен', String(o.status === 'cancelled')),
      requisite('Финальный статус', String(o.status === 'delivered' || o.status === 'cancelled')),
      requisite('Статус заказа', o.status),
      requisite('Сайт', 'WhatsApp'),
    ];
    return (
      `<Документ>${el('Ид', o.number)}${el('Номер', o.number)}${el('Дата', date)}${el('Время', time)}<ХозОперация>Заказ товара</ХозОперация><Роль>Продавец</Роль>` +
      `${el('Валюта', o.currency)}<Курс>1</Курс>${el('Сумма', amount(o.total))}` +
      `<Контрагенты><Контрагент>${el('Ид', `whatsapp-${o.shopperKey}`)}${el('Наименование', o.customerName)}${el('ПолноеНаименование', o.customerName)}<Роль>Покупатель</Роль>` +
      `<АдресРегистрации>${el('Представление', o.address ?? '')}</АдресРегистрации>` +
      (phone ? `<Контакты><Контакт><Тип>Телефон рабочий</Тип>${el('Значение', phone)}</Контакт></Контакты>` : '') +
      `</Контрагент></Контрагенты>${el('Комментарий', `WhatsApp, ${o.fulfilment === 'pickup' ? 'самовывоз' : `доставка: ${o.address ?? ''}`}`)}` +
      `<Товары>${lines.join('')}</Товары><ЗначенияРеквизитов>${requisites.join('')}</ЗначенияРеквизитов></Документ>`
    );
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<КоммерческаяИнформация ВерсияСхемы="2.05" ДатаФормирования="${d}T${t}">${docs.join('\n')}</КоммерческаяИнформация>\n`;
}

type Document = Extract<CmlEvent, { kind: 'document' }>;
const yes = (v: string | undefined) => v !== undefined && /^(true|1|да)$/i.test(v.trim());
const given = (v: string | undefined) => v !== undefined && v.trim() !== '' && !/^0001-01-01/.test(v.trim());

/**
 * What 1C says happened to an order, as the statuses it moves through, in order. 1C's own
 * requisites (as 1C-Bitrix reads them): Проведен → confirmed; «Дата оплаты по 1С», «Номер оплаты
 * по 1С» or «Заказ оплачен» → paid; «Дата отгрузки по 1С», «Номер отгрузки по 1С» → shipped;
 * «Финальный статус» → delivered; «Отменен» → cancelled; and «Статус заказа» as store.yaml maps it.
 */
export function statusesOf(doc: Document, source: CatalogSource): OrderStatus[] {
  const r = doc.requisites;
  const out = new Set<OrderStatus>();
  if (yes(r['Проведен'])) out.add('confirmed');
  if (yes(r['Заказ оплачен']) || given(r['Дата оплаты по 1С']) || given(r['Номер оплаты по 1С'])) out.add('paid');
  if (yes(r['Отгружен']) || given(r['Дата отгрузки по 1С']) || given(r['Номер отгрузки по 1С'])) out.add('shipped');
  if (yes(r['Финальный статус'])) out.add('delivered');
  const named = r['Статус заказа'] ? source.orderStatuses[r['Статус заказа'].trim()] : undefined;
  if (named) out.add(named);
  if (yes(r['Отменен'])) out.add('cancelled');
  // in the order an order moves, cancelled last
  const order: OrderStatus[] = ['confirmed', 'paid', 'shipped', 'delivered', 'cancelled'];
  return order.filter((s) => out.has(s));
}
