import type { Bitrix24Client } from '../../integrations/bitrix24/client.ts';
import type { Clock } from '../clock.ts';
import type { Db, Tx } from '../db/database.ts';
import type { Logger } from '../log.ts';
import { enqueueOutbound, insideWindow, type OutboundItem } from '../outbox/outbox-repo.ts';
import { templateMessage } from '../meta-templates/message-templates.ts';
import type { TemplateRegistry } from '../meta-templates/registry.ts';
import * as wa from '../whatsapp/messages.ts';
import { encodePayload } from '../whatsapp/payloads.ts';
import { eq } from 'drizzle-orm';
import { analyticsEvents, shoppers } from '../db/schema.ts';
import { asLang } from '../lang.ts';
import { say, type PhraseBook } from '../phrases.ts';
import type { Profile } from '../profile/store-profile.ts';
import * as repo from './escalations.ts';
import { ensureShoppers, lastInboundAt } from '../shoppers/shopper-repo.ts';
import type { Escalation } from './escalations.ts';
import { workingHours } from './working-hours.ts';
import type { EscalationEvents } from './events.ts';
import { EVENT } from '../analytics/event-kinds.ts';

const DAY_MS = 24 * 3600 * 1000;
/** No "your request waits" in the first minutes after the hand-off answer, then at most one per period. */
const WAITING_QUIET_MS = 5 * 60_000;
const WAITING_NOTE_MS = 4 * 3600_000;

/** A manager's WhatsApp number as a shopper key: digits only (MANAGER_PHONES may carry a "+"). */
export const managerKey = (phone: string) => phone.replace(/^\+/, '');

/**
 * The hand-off to a person, in one place: opening an escalation and notifying managers, taking,
 * relaying both ways (a template when a manager's 24-hour window is closed), closing, the SLA
 * reminders and the CRM lead. Writes that belong to a shopper's turn take its transaction;
 * every message is keyed so a retried turn or job sends nothing twice.
 */
export class Handoff {
  /** Manager numbers as shopper keys, normalised once. */
  readonly managers: string[];

  constructor(
    private readonly opts: {
      db: Db;
      clock: Clock;
      log: Logger;
      templates: TemplateRegistry;
      events: EscalationEvents;
      managerPhones: string[];
      slaMinutes: number;
      /** WORKING_HOURS, told to a shopper who waits. */
      workingHours: string;
      crm: Bitrix24Client | null;
      phrases: PhraseBook;
      /** The manager language and the default shopper language come from the store profile. */
      profile: () => Profile;
    },
  ) {
    this.managers = [...new Set(opts.managerPhones.map(managerKey))];
  }

  /** Words for managers, from the phrase book in the store's manager language (`mgr_*` keys). */
  managerText(key: string, vars: Record<string, string | number> = {}): string {
    return say(this.opts.phrases, this.opts.profile().managerLanguage, `mgr_${key}`, vars);
  }

  /** Words for a shopper about the hand-off, in the language they last wrote in. */
  private async shopperText(db: Tx, shopperKey: string, key: string): Promise<string> {
    const [row] = await db.select({ language: shoppers.language }).from(shoppers).where(eq(shoppers.key, shopperKey));
    return say(this.opts.phrases, asLang(row?.language, this.opts.profile().defaultLanguage), key);
  }

  /**
   * A shopper who writes while their request waits for a manager is told it waits, and when
   * people work: not in the first minutes (the hand-off answer just said so), then at most once
   * in each WAITING_NOTE_MS after that (every message is billed). Keyed per escalation and
   * period, so retries and bursts send it once.
   */
  waiting(esc: Escalation, language: string | null): OutboundItem[] {
    const now = this.opts.clock.now();
    const since = now.getTime() - esc.createdAt.getTime() - WAITING_QUIET_MS;
    if (since < 0) return [];
    const profile = this.opts.profile();
    const hours = workingHours(this.opts.workingHours, profile.timeZone, now);
    const lang = asLang(language, profile.defaultLanguage);
    const text = hours.inside
      ? say(this.opts.phrases, lang, 'handoff_waiting', { hours: `${hours.open}–${hours.close}` })
      : say(this.opts.phrases, lang, 'handoff_waiting_after_hours', { opens: hours.open });
    return [{ dedupeKey: `esc:${esc.id}:waiting:${Math.floor(since / WAITING_NOTE_MS)}`, shopperKey: esc.shopperKey, message: wa.text(text) }];
  }

  get events(): EscalationEvents {
    return this.opts.events;
  }

  isManager(key: string): boolean {
    return this.managers.includes(key);
  }

  /** Start-up: managers are addressable like shoppers. */
  async ensureManagers(): Promise<void> {
    await ensureShoppers(this.opts.db, this.managers);
  }

  private notifyManagers(id: number, vals: { customer: string; reason: string; summary: string }, key: (manager: string) => string): OutboundItem[] {
    const t = this.opts.templates.current().get('escalation_new');
    if (!t) return [];
    const message = templateMessage(
      t,
      this.opts.profile().managerLanguage,
      { customer: vals.customer, reason: vals.reason || '—', summary: vals.summary || '—' },
      [encodePayload({ kind: 'take', escalation: id })],
    );
    return this.managers.map((m) => ({ dedupeKey: key(m), shopperKey: m, message }));
  }

  /**
   * Opens an escalation in the turn's transaction (none when one is already open) and queues
   * escalation_new with its "Взять" to every manager. Returns the new id, or null.
   */
  async open(tx: Tx, e: { shopperKey: string; customer: string; reason: string; summary: string; at: Date }): Promise<number | null> {
    const id = await repo.insertEscalation(tx, { shopperKey: e.shopperKey, reason: e.reason.slice(0, 500), summary: e.summary, at: e.at });
    if (id === null) return null;
    await enqueueOutbound(
      tx,
      this.notifyManagers(id, e, (m) => `esc:${id}:notify:${m}`),
      e.at,
    );
    return id;
  }

  list(status?: string) {
    return repo.listEscalations(this.opts.db, status);
  }
  get(id: number) {
    return repo.getEscalation(this.opts.db, id);
  }
  ownedBy(db: Tx, manager: string) {
    return repo.ownedBy(db, manager);
  }
  conversation(shopperKey: string) {
    return repo.conversation(this.opts.db, shopperKey);
  }

  /** First taker wins. Returns false when it was already taken or closed. */
  async take(db: Tx, id: number, by: string): Promise<boolean> {
    const ok = await repo.takeEscalation(db, id, by, this.opts.clock.now());
    if (ok) this.opts.events.changed(id);
    return ok;
  }

  /** Closes it, from WhatsApp or the console; the shopper is told the bot is back, once per escalation. */
  async close(db: Tx, id: number): Promise<boolean> {
    const now = this.opts.clock.now();
    const shopperKey = await repo.closeEscalation(db, id, now);
    if (shopperKey)
      await enqueueOutbound(
        db,
        [{ dedupeKey: `esc:${id}:closed`, shopperKey, message: wa.text(await this.shopperText(db, shopperKey, 'handoff_closed')) }],
        now,
      );
    if (shopperKey) this.opts.events.changed(id);
    return shopperKey !== null;
  }

  /**
   * A console or API reply to the shopper, counted for `by` (analytics: manager_reply); the same
   * idempotency key sends and counts it once.
   */
  async reply(esc: repo.Escalation, text: string, idempotencyKey: string, by: string): Promise<void> {
    const key = `esc:${esc.id}:reply:${idempotencyKey}`;
    const now = this.opts.clock.now();
    await this.opts.db.transaction(async (tx) => {
      await enqueueOutbound(tx, [{ dedupeKey: key, shopperKey: esc.shopperKey, message: wa.text(text) }], now);
      await tx
        .insert(analyticsEvents)
        .values({ dedupeKey: key, shopperKey: esc.shopperKey, kind: EVENT.manager_reply, data: { escalation: esc.id, by }, at: now })
        .onConflictDoNothing();
    });
    this.opts.events.changed(esc.id);
  }

  /**
   * The shopper's words to the manager who took the escalation. Inside the manager's 24-hour
   * window they go as text (with escalation_message as the fallback should Meta's clock say the
   * window closed); outside it only escalation_message goes, once per closed window (its key
   * names the manager's last message), since free-form text would fail with 131047.
   */
  async relayToManager(
    esc: repo.Escalation,
    words: { who: string; text: string; dedupeKey: string; inboxId: number },
    extra: wa.OutboundMessage | null,
  ): Promise<OutboundItem[]> {
    const manager = esc.takenBy!;
    const now = this.opts.clock.now();
    const last = await lastInboundAt(this.opts.db, manager);
    const t = this.opts.templates.current().get('escalation_message');
    const template = t
      ? templateMessage(t, this.opts.profile().managerLanguage, { customer: words.who, request: String(esc.id), text: words.text }, [
          encodePayload({ kind: 'resume', escalation: esc.id }),
        ])
      : null;
    if (!insideWindow(last, now)) {
      if (!template) return [];
      return [{ dedupeKey: `${windowKey(esc.id, manager)}${last?.toISOString() ?? 'never'}`, shopperKey: manager, message: template, inboxId: words.inboxId }];
    }
    const items: OutboundItem[] = [
      {
        dedupeKey: words.dedupeKey,
        shopperKey: manager,
        message: wa.text(this.managerText('relayed', { who: words.who, id: esc.id, text: words.text })),
        fallbackTemplate: template,
      },
    ];
    if (extra) items.push({ dedupeKey: `${words.dedupeKey}:media`, shopperKey: manager, message: extra });
    return items;
  }

  /** "Ответить" on escalation_message: the window is open again; the messages that waited come along. */
  async resume(db: Tx, id: number, manager: string): Promise<string[]> {
    const esc = await repo.getEscalation(db, id);
    if (esc?.status !== 'taken' || esc.takenBy !== manager) return [this.managerText('nothing_owned')];
    const waiting = (await repo.waitingSince(db, esc.shopperKey, windowKey(id, manager))).map((l) => `· ${l}`);
    return waiting.length
      ? [this.managerText('resumed', { id }), this.managerText('waiting', { id, lines: waiting.join('\n') })]
      : [this.managerText('resumed', { id })];
  }

  /**
   * The SLA job: escalations not taken within the SLA remind every manager (escalation_new
   * again) and tell the shopper, once each; escalations quiet for 24 h are closed and the
   * shopper is back with the bot.
   */
  async runSla(): Promise<{ reminded: number; closed: number }> {
    const { db, clock, slaMinutes } = this.opts;
    const now = clock.now();
    let reminded = 0;
    for (const e of await repo.openSince(db, new Date(now.getTime() - slaMinutes * 60_000))) {
      const items: OutboundItem[] = [
        { dedupeKey: `esc:${e.id}:sla:shopper`, shopperKey: e.shopperKey, message: wa.text(await this.shopperText(db, e.shopperKey, 'handoff_sla_busy')) },
        ...this.notifyManagers(
          e.id,
          {
            customer: customerLabel(e.name, e.shopperKey),
            reason: this.managerText('sla_reason', { minutes: slaMinutes, reason: e.reason }),
            summary: e.summary,
          },
          (m) => `esc:${e.id}:sla:${m}`,
        ),
      ];
      if ((await enqueueOutbound(db, items, now)) > 0) reminded++;
    }
    const quiet = await repo.closeQuiet(db, new Date(now.getTime() - DAY_MS), now);
    const closed: OutboundItem[] = [];
    for (const e of quiet)
      closed.push({
        dedupeKey: `esc:${e.id}:auto-closed`,
        shopperKey: e.shopperKey,
        message: wa.text(await this.shopperText(db, e.shopperKey, 'handoff_auto_closed')),
      });
    await enqueueOutbound(db, closed, now);
    if (quiet.length) this.opts.events.changed(null);
    return { reminded, closed: quiet.length };
  }

  /**
   * Each escalation becomes a Bitrix24 lead. Escalations without a lead are retried on every run;
   * ORIGIN_ID lets a retry find the lead it already created instead of adding another.
   */
  async syncCrm(): Promise<{ pending: number; created: number; failed: number }> {
    const { db, crm, log } = this.opts;
    if (!crm) return { pending: 0, created: 0, failed: 0 };
    const rows = await repo.withoutLead(db, 100);
    let created = 0;
    let failed = 0;
    for (const r of rows) {
      const res = await crm.addLead({
        originId: `vitrina-escalation-${r.id}`,
        title: `WhatsApp: ${r.reason}`.slice(0, 255),
        name: r.name ?? r.shopperKey,
        phone: r.waId,
        comments: r.summary,
      });
      if (res.ok) {
        await repo.setLead(db, r.id, res.value);
        created++;
      } else {
        failed++;
        log.warn({ escalation: r.id, error: res.error, retryable: res.retryable }, 'Bitrix24 lead not created; will retry');
      }
    }
    return { pending: rows.length, created, failed };
  }
}

/** escalation_message's outbox key: one per escalation, manager and closed window (the manager's last message). */
const windowKey = (id: number, manager: string) => `esc:${id}:window:${manager}:`;

/** How managers see a shopper: the profile name and the key. */
export const customerLabel = (name: string | null, key: string) => `${name ?? ''} (${key})`.trim();
