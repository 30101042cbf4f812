import type { Config } from '../config.ts';
import { Health } from '../health.ts';
import { buildAnalytics, type AnalyticsArea } from './analytics.ts';
import { buildCatalog, type CatalogArea } from './catalog.ts';
import { buildCommerce, type Commerce } from './commerce.ts';
import { buildHandoff, type HandoffArea } from './handoff.ts';
import { buildMessaging, type Messaging } from './messaging.ts';
import { buildPlatform, type Platform } from './platform.ts';
import { buildTurns, type Turns } from './turns.ts';
import type { BuildOptions } from './build-options.ts';

export type { BuildOptions } from './build-options.ts';
export type { AnalyticsArea, CatalogArea, Commerce, HandoffArea, Messaging, Platform, Turns };

/**
 * Every area, built once at start-up (src/services/*.ts, one factory each). Routes and jobs
 * declare the areas they use (`Platform & Commerce`, …); only the composition roots — the app,
 * main and the CLI's in-process path — hold the whole.
 */
export type Services = Platform &
  Messaging &
  HandoffArea &
  Commerce &
  CatalogArea &
  Turns &
  AnalyticsArea & {
    health: Health;
    /** Stops the workers (finishing or releasing claimed work within `graceMs`) and closes connections. */
    close(opts?: { graceMs?: number }): Promise<void>;
  };

/** Builds the areas in dependency order; nothing is created lazily or globally. */
export async function buildServices(config: Config, opts: BuildOptions = {}): Promise<Services> {
  const platform = await buildPlatform(config, opts);
  // intake wakes the inbox's pump, which is built last (it needs every other area)
  let wakeInbox = () => {};
  const messaging = buildMessaging(platform, opts, () => wakeInbox());
  const handoff = await buildHandoff(platform);
  const commerce = buildCommerce(platform, messaging, handoff);
  const catalog = await buildCatalog(platform, messaging, commerce);
  const turns = buildTurns(platform, messaging, handoff, commerce, catalog, opts);
  wakeInbox = () => turns.inbox.pump.notify();
  const analytics = buildAnalytics(platform, handoff);
  const health = new Health({ database: platform.database, kv: platform.kv, templates: platform.templates, media: turns.media, sandbox: messaging.sandbox });

  return {
    ...platform,
    ...messaging,
    ...handoff,
    ...commerce,
    ...catalog,
    ...turns,
    ...analytics,
    health,
    async close(opts = {}) {
      health.draining = true;
      platform.templates.close();
      platform.profile.close();
      catalog.vocabulary.close();
      catalog.embeddings?.close();
      const graceMs = opts.graceMs;
      // The sender keeps going while turns finish, so their replies can still leave now.
      if (graceMs === undefined) await turns.inbox.pump.stop();
      else await turns.inbox.stop({ graceMs: graceMs * 0.6 });
      // A send still in flight after its share keeps its lease; its status webhook or the
      // lease settles it later, so nothing is sent twice.
      await messaging.sender.pump.stop(graceMs === undefined ? {} : { graceMs: graceMs * 0.3 });
      await platform.kv.close();
      await platform.database.close();
    },
  };
}
