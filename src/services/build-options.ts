import type { TurnContext } from '../../handlers/context.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';

/** What tests and benchmarks may set when they build the services. */
export interface BuildOptions {
  clock?: Clock;
  log?: Logger;
  runTurn?: (ctx: TurnContext) => Promise<void>;
  /** Tests: backoff jitter source. */
  random?: () => number;
  backoffBaseMs?: number;
  observeTurn?: (ms: number) => void;
  /** Tests: isolates Redis keys per test database. */
  redisPrefix?: string;
}
