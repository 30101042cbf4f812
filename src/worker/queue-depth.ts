import { query, sql, type Tx } from '../db/database.ts';
import type { QueueDepth } from '../metrics.ts';

/** Open work in both queues, for /metrics: one round trip per scrape. */
export async function queueDepth(db: Tx, now: Date): Promise<QueueDepth> {
  const [r] = await query<{ inbox_open: number | string; inbox_oldest: string | null; outbox_open: number | string; outbox_oldest: string | null }>(
    db,
    sql`select
      (select count(*) from inbox where status in ('pending', 'processing')) as inbox_open,
      (select min(received_at) from inbox where status in ('pending', 'processing')) as inbox_oldest,
      (select count(*) from outbox where status in ('pending', 'sending')) as outbox_open,
      (select min(created_at) from outbox where status in ('pending', 'sending')) as outbox_oldest`,
  );
  const age = (at: string | null | undefined) => (at ? Math.max(0, (now.getTime() - new Date(at).getTime()) / 1000) : 0);
  return {
    inbox: { open: Number(r?.inbox_open ?? 0), oldestAgeSeconds: age(r?.inbox_oldest) },
    outbox: { open: Number(r?.outbox_open ?? 0), oldestAgeSeconds: age(r?.outbox_oldest) },
  };
}
