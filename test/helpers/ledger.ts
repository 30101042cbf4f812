import postgres from 'postgres';
import type { FakeGraphApi } from '../fakes/graph-api.ts';
import { textWebhook } from './harness.ts';
import { waitFor, type MetaDelivery } from './service-process.ts';

export interface Sent {
  from: string;
  text: string;
  wamid?: string;
}

/**
 * All shoppers at once, each sending `perShopper` texts (`s<i>-m<k>`) one after another through
 * Meta-like delivery; shopper i is `<prefix>` + i in 7 digits, wamids `wamid.<tag>.<i>.<k>`.
 * `onSent` runs after each delivered message (where a scenario injects its fault). Returns
 * what was sent, in delivery order.
 */
export async function shoppersSend(
  meta: MetaDelivery,
  opts: { prefix: string; tag: string; shoppers: number; perShopper: number; onSent?: (sent: Sent[]) => void },
): Promise<Sent[]> {
  const sent: Sent[] = [];
  await Promise.all(
    Array.from({ length: opts.shoppers }, async (_, i) => {
      const from = `${opts.prefix}${String(i).padStart(7, '0')}`;
      for (let k = 0; k < opts.perShopper; k++) {
        const text = `s${i}-m${k}`;
        const wamid = `wamid.${opts.tag}.${i}.${k}`;
        await meta.post(textWebhook({ from, body: text, wamid }));
        sent.push({ from, text, wamid });
        opts.onSent?.(sent);
      }
    }),
  );
  return sent;
}

export interface Ledger {
  sent: number;
  answered: number;
  missing: string[];
  duplicated: string[];
  outOfOrder: string[];
  replies: number;
}

/**
 * Matches what shoppers sent with what reached the fake Graph, for the echo bot: each reply
 * names the message(s) it answers ("Эхо: a" or, for a merged burst, "Эхо: a\nb"). Every text
 * must be answered exactly once, and each shopper's answers must come in the order sent.
 */
export function echoLedger(sent: Sent[], graph: FakeGraphApi): Ledger {
  const answeredLines = new Map<string, string[]>();
  for (const s of graph.sends) {
    const body = s.body.text?.body as string | undefined;
    if (!body?.startsWith('Эхо: ')) continue;
    const to = String(s.body.to).replace(/^\+/, '');
    const list = answeredLines.get(to) ?? [];
    list.push(...body.slice('Эхо: '.length).split('\n'));
    answeredLines.set(to, list);
  }
  const ledger: Ledger = { sent: sent.length, answered: 0, missing: [], duplicated: [], outOfOrder: [], replies: graph.sends.length };
  const byShopper = new Map<string, string[]>();
  for (const s of sent) byShopper.set(s.from, [...(byShopper.get(s.from) ?? []), s.text]);
  for (const [from, texts] of byShopper) {
    const got = answeredLines.get(from) ?? [];
    for (const t of texts) {
      const n = got.filter((g) => g === t).length;
      if (n === 0) ledger.missing.push(t);
      else if (n > 1) ledger.duplicated.push(t);
      else ledger.answered++;
    }
    const firstSeen = [...new Set(got.filter((g) => texts.includes(g)))];
    if (firstSeen.join('\n') !== texts.filter((t) => firstSeen.includes(t)).join('\n')) ledger.outOfOrder.push(from);
  }
  return ledger;
}

/** Prints the scenario's account: what it sent, what was answered, and whether the two match. */
export function printLedger(scenario: string, l: Ledger, extra = ''): void {
  const match = l.answered === l.sent && !l.missing.length && !l.duplicated.length && !l.outOfOrder.length;
  console.log(
    `[fault] ${scenario}: sent ${l.sent} messages; answered ${l.answered} exactly once in ${l.replies} replies; ` +
      `missing ${l.missing.length}, duplicated ${l.duplicated.length}, out of order ${l.outOfOrder.length} → ${match ? 'MATCH' : 'MISMATCH'}` +
      (extra ? `; ${extra}` : ''),
  );
}

/** Waits until the shared database has nothing open and Meta's status webhooks are all delivered. */
export async function waitDrained(databaseUrl: string, graph: FakeGraphApi, expectReplies: number, describe: () => string, timeoutMs = 90_000): Promise<void> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await waitFor(
      'inbox and outbox to drain',
      async () => {
        const [open] = await sql`select
          (select count(*) from inbox where status in ('pending', 'processing'))::int as inbox,
          (select count(*) from outbox where status in ('pending', 'sending'))::int as outbox`.catch(() => [{ inbox: -1, outbox: -1 }]);
        return open!.inbox === 0 && open!.outbox === 0 && graph.pendingWebhooks === 0 && graph.sends.length >= expectReplies;
      },
      timeoutMs,
      describe,
    );
  } finally {
    await sql.end();
  }
}

/**
 * The same account for any bot, from the database: every inbound wamid must be `done`, and
 * the replies of its turn (outbox rows with its inbox id, matched to what Graph received by
 * biz_opaque_callback_data) must have reached Graph exactly once each, in the shopper's order.
 */
export async function turnLedger(databaseUrl: string, sentWamids: string[], graph: FakeGraphApi): Promise<Ledger> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const inbox = await sql<
      Array<{ id: string; wamid: string; shopper_key: string; status: string }>
    >`select id::text, wamid, shopper_key, status from inbox order by id`;
    const outbox = await sql<Array<{ id: string; inbox_id: string | null }>>`select id::text, inbox_id::text from outbox`;
    const inboxOf = new Map(outbox.map((o) => [`vt:${o.id}`, o.inbox_id]));
    const sendsPerCallback = new Map<string, number>();
    const turnsSeen: Array<string | null> = [];
    for (const s of graph.sends) {
      const cb = String(s.body.biz_opaque_callback_data ?? '');
      sendsPerCallback.set(cb, (sendsPerCallback.get(cb) ?? 0) + 1);
      turnsSeen.push(inboxOf.get(cb) ?? null);
    }
    const ledger: Ledger = { sent: sentWamids.length, answered: 0, missing: [], duplicated: [], outOfOrder: [], replies: graph.sends.length };
    const byWamid = new Map(inbox.map((r) => [r.wamid, r]));
    const answeredTurns = new Set(turnsSeen.filter((t): t is string => t !== null));
    for (const w of sentWamids) {
      const row = byWamid.get(w);
      if (row?.status !== 'done' || !answeredTurns.has(row.id)) ledger.missing.push(w);
      else ledger.answered++;
    }
    for (const [cb, n] of sendsPerCallback) if (n > 1) ledger.duplicated.push(cb);
    // Per shopper, turns must reach Graph in the order their messages arrived.
    const shopperOf = new Map(inbox.map((r) => [r.id, r.shopper_key]));
    const lastTurn = new Map<string, number>();
    for (const t of turnsSeen) {
      if (t === null) continue;
      const shopper = shopperOf.get(t)!;
      if (Number(t) < (lastTurn.get(shopper) ?? 0)) ledger.outOfOrder.push(shopper);
      lastTurn.set(shopper, Math.max(Number(t), lastTurn.get(shopper) ?? 0));
    }
    return ledger;
  } finally {
    await sql.end();
  }
}
