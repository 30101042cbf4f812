import { eventsCte, type EventRow } from '../analytics/analytics-events.ts';
import type { SQL } from '../db/database.ts';
import { shopperWritesCtes, type ShopperWrites } from '../shoppers/shopper-repo.ts';

/**
 * A turn's routine writes, as data rather than statements: the shopper's language and
 * preferences, and its analytics events. They go in with the statement that marks the message
 * done (`finishManyWithReplies`), so the common turn — an answer, what it learnt, what it
 * counted — is one statement shared by the turns committing at the same moment, with no
 * transaction around it. Anything else a turn writes is an `Effect`, run in a transaction.
 */
export interface TurnWrites extends ShopperWrites {
  events: EventRow[];
}

export const noWrites = (): TurnWrites => ({ events: [] });

/** The CTEs that carry a batch of turns' writes; `finished` is the set of inbox ids the statement finished. */
export function turnWritesCtes(turns: Array<{ inboxId: number; shopperKey: string; writes: TurnWrites }>, finished: SQL): SQL[] {
  const events = eventsCte(
    turns.flatMap((t) => t.writes.events.map((e) => ({ ...e, inboxId: t.inboxId }))),
    finished,
  );
  return [
    ...shopperWritesCtes(
      turns.map((t) => ({ inboxId: t.inboxId, shopperKey: t.shopperKey, ...t.writes })),
      finished,
    ),
    ...(events ? [events] : []),
  ];
}
