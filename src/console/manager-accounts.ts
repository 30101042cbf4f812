import { createHash, randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { and, eq, gt, isNull, lt } from 'drizzle-orm';
import type { Tx } from '../db/database.ts';
import { managers, managerSessions } from '../db/schema.ts';

/** The cookie a signed-in console carries (HttpOnly, SameSite=Strict). */
export const SESSION_COOKIE = 'vt_session';

export interface Manager {
  id: number;
  login: string;
  name: string;
  phone: string | null;
  disabled: boolean;
}

const LOGIN = /^[a-z0-9._-]{2,40}$/;
export const MIN_PASSWORD = 10;

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');
const view = (r: typeof managers.$inferSelect): Manager => ({ id: r.id, login: r.login, name: r.name, phone: r.phone, disabled: r.disabledAt !== null });

/** A login's shape, or why not (lower-case letters, digits, dot, dash, underscore). */
export function checkLogin(login: string): string | null {
  return LOGIN.test(login) ? null : 'a login is 2–40 of a-z 0-9 . _ -';
}

/**
 * Console accounts, one per manager, made by the operator (`vitrina managers …`). Passwords are
 * kept as argon2id hashes; a session is a random token whose SHA-256 is kept, valid until it
 * expires or the manager signs out. A disabled account's sessions end at once.
 */
export const accounts = {
  async create(db: Tx, m: { login: string; name: string; phone?: string | null; password: string }, now: Date): Promise<Manager | 'taken'> {
    const rows = await db
      .insert(managers)
      .values({ login: m.login, name: m.name, phone: m.phone?.replace(/^\+/, '') || null, passwordHash: await hash(m.password), createdAt: now })
      .onConflictDoNothing()
      .returning();
    return rows[0] ? view(rows[0]) : 'taken';
  },

  async setPassword(db: Tx, login: string, password: string): Promise<boolean> {
    const rows = await db
      .update(managers)
      .set({ passwordHash: await hash(password) })
      .where(eq(managers.login, login))
      .returning({ id: managers.id });
    if (rows[0]) await db.delete(managerSessions).where(eq(managerSessions.managerId, rows[0].id));
    return rows.length > 0;
  },

  async setDisabled(db: Tx, login: string, disabled: boolean, now: Date): Promise<boolean> {
    const rows = await db
      .update(managers)
      .set({ disabledAt: disabled ? now : null })
      .where(eq(managers.login, login))
      .returning({ id: managers.id });
    if (rows[0] && disabled) await db.delete(managerSessions).where(eq(managerSessions.managerId, rows[0].id));
    return rows.length > 0;
  },

  async list(db: Tx): Promise<Manager[]> {
    return (await db.select().from(managers).orderBy(managers.login)).map(view);
  },

  /** A new session for the right login and password of an enabled account; null otherwise (the same answer for each reason). */
  async signIn(db: Tx, login: string, password: string, now: Date, hours: number): Promise<{ token: string; manager: Manager; expiresAt: Date } | null> {
    const [row] = await db
      .select()
      .from(managers)
      .where(and(eq(managers.login, login), isNull(managers.disabledAt)));
    // an unknown login still spends a hash's time, so timing does not tell which logins exist
    const ok = row ? await verify(row.passwordHash, password).catch(() => false) : (await hash(password), false);
    if (!row || !ok) return null;
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + hours * 3600_000);
    await db.delete(managerSessions).where(lt(managerSessions.expiresAt, now));
    await db.insert(managerSessions).values({ tokenHash: tokenHash(token), managerId: row.id, createdAt: now, expiresAt });
    return { token, manager: view(row), expiresAt };
  },

  /** The manager a session token belongs to, while it has not expired; null otherwise. */
  async session(db: Tx, token: string, now: Date): Promise<Manager | null> {
    if (!token) return null;
    const [row] = await db
      .select({ m: managers })
      .from(managerSessions)
      .innerJoin(managers, eq(managers.id, managerSessions.managerId))
      .where(and(eq(managerSessions.tokenHash, tokenHash(token)), gt(managerSessions.expiresAt, now), isNull(managers.disabledAt)));
    return row ? view(row.m) : null;
  },

  async signOut(db: Tx, token: string): Promise<void> {
    await db.delete(managerSessions).where(eq(managerSessions.tokenHash, tokenHash(token)));
  },
};
