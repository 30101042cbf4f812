import { sql, type SQL } from '../db/database.ts';
import type { EventKind } from './event-kinds.ts';

/** One analytics event, keyed by the message it came from and its place there. */
export interface EventRow {
  dedupeKey: string;
  shopperKey: string | null;
  kind: EventKind;
  data: Record<string, unknown>;
  at: Date;
}

/**
 * A batch of turns' events as a CTE of the statement that finishes their messages (src/inbox/
 * turn-writes.ts): an event goes in only if its inbox row is in `finished`, and a retried turn's
 * keys add none.
 */
export function eventsCte(rows: Array<EventRow & { inboxId: number }>, finished: SQL): SQL | null {
  if (rows.length === 0) return null;
  const batch = JSON.stringify(
    rows.map((e) => ({ inbox: e.inboxId, key: e.dedupeKey, shopper: e.shopperKey, kind: e.kind, data: e.data, at: e.at.toISOString() })),
  );
  return sql`turn_events as (
    insert into analytics_events (dedupe_key, shopper_key, kind, data, at)
    select x.key, x.shopper, x.kind, x.data, x.at from jsonb_to_recordset(${batch}::jsonb) as x(inbox bigint, key text, shopper text, kind text, data jsonb, at timestamptz)
    where x.inbox in ${finished}
    on conflict do nothing)`;
}
