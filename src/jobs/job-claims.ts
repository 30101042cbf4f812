import { randomUUID } from 'node:crypto';
import { and, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { jobLocks, jobTicks } from '../db/schema.ts';

const DAY_MS = 24 * 3600 * 1000;

/**
 * Job claims in Postgres (the record), so each cron tick runs once across processes whether
 * Redis is up or not: a tick is claimed for good by the first insert of (job, tick); a run holds
 * a lease on the job so two runs never overlap, and a crashed holder's lease simply runs out.
 */
export class JobClaims {
  constructor(private readonly db: Db) {}

  /** True for the one process that claims this tick; prunes claims older than a day. */
  async claimTick(job: string, tick: Date, now: Date): Promise<boolean> {
    const rows = await this.db.insert(jobTicks).values({ job, tick, claimedAt: now }).onConflictDoNothing().returning({ job: jobTicks.job });
    if (rows.length) await this.db.delete(jobTicks).where(and(eq(jobTicks.job, job), lt(jobTicks.tick, new Date(now.getTime() - DAY_MS))));
    return rows.length === 1;
  }

  /** The job's lease for `ttlMs`, or null while another run holds it. */
  async lock(job: string, ttlMs: number, now: Date): Promise<{ job: string; holder: string } | null> {
    const holder = randomUUID();
    const until = new Date(now.getTime() + ttlMs);
    const rows = await this.db
      .insert(jobLocks)
      .values({ job, holder, lockedUntil: until })
      .onConflictDoUpdate({
        target: jobLocks.job,
        set: { holder, lockedUntil: until },
        where: sql`${jobLocks.lockedUntil} <= ${now.toISOString()}::timestamptz`,
      })
      .returning({ holder: jobLocks.holder });
    return rows[0]?.holder === holder ? { job, holder } : null;
  }

  /** Releases the lease if it is still ours. */
  async unlock(lock: { job: string; holder: string }): Promise<void> {
    await this.db.delete(jobLocks).where(and(eq(jobLocks.job, lock.job), eq(jobLocks.holder, lock.holder)));
  }
}
