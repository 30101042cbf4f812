import type { Clock } from '../clock.ts';
import { accounts } from '../console/manager-accounts.ts';
import type { Db } from '../db/database.ts';
import type { Profile } from '../profile/store-profile.ts';
import { analyticsReport, type AnalyticsReport } from './analytics-report.ts';
import { rebuildDays, refreshRollups, rollupComputedAt, type RollupScope } from './daily-rollup.ts';
import { localDay } from './period.ts';
import type { RateCard } from './rate-card.ts';

/** How old today's roll-up may be when a report reads it. */
const TODAY_FRESH_MS = 60_000;

/**
 * The store's numbers as a service: the roll-up job's run (`refresh`) and the report the page,
 * the API and `vitrina report` read, in the store's time zone and currency.
 */
export class Analytics {
  constructor(private readonly opts: { db: Db; clock: Clock; profile: () => Profile; managers: string[]; rateCard: RateCard; lateDays: number }) {}

  private scope(): RollupScope {
    return { timeZone: this.opts.profile().timeZone, managers: this.opts.managers, prefixes: this.opts.rateCard.prefixes };
  }

  /** The store's local day now. */
  today(): string {
    return localDay(this.opts.clock.now(), this.opts.profile().timeZone);
  }

  refresh(): Promise<{ from: string | null; to: string; days: number }> {
    return refreshRollups(this.opts.db, this.scope(), this.opts.clock.now(), this.opts.lateDays);
  }

  /**
   * The report for the local days `from`…`to`. Today, when the period holds it, is brought up to
   * date first if it was rolled up over a minute ago (or never, after a fresh start): one day is
   * cheap, and the job's five minutes would show a conversation that just happened as zeros.
   */
  async report(from: string, to: string): Promise<AnalyticsReport> {
    const p = this.opts.profile();
    const today = this.today();
    if (from <= today && today <= to) {
      const now = this.opts.clock.now();
      const at = await rollupComputedAt(this.opts.db, today, today);
      if (!at || now.getTime() - at.getTime() > TODAY_FRESH_MS) await rebuildDays(this.opts.db, this.scope(), today, today, now);
    }
    return analyticsReport(this.opts.db, this.opts.rateCard, {
      from,
      to,
      timeZone: p.timeZone,
      currency: p.currency,
      today,
      managers: await accounts.list(this.opts.db),
    });
  }
}
