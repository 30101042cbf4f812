import { Analytics } from '../analytics/analytics.ts';
import { loadRateCard } from '../analytics/rate-card.ts';
import type { HandoffArea } from './handoff.ts';
import type { Platform } from './platform.ts';

/** The store's numbers: the roll-up job and the report (page, API, CLI). */
export interface AnalyticsArea {
  analytics: Analytics;
}

export function buildAnalytics(p: Platform, h: HandoffArea): AnalyticsArea {
  return {
    analytics: new Analytics({
      db: p.database.db,
      clock: p.clock,
      profile: () => p.profile.current(),
      managers: h.handoff.managers,
      rateCard: loadRateCard(),
      lateDays: p.config.ANALYTICS_LATE_DAYS,
    }),
  };
}
