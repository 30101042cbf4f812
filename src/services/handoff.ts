import { Bitrix24Client } from '../../integrations/bitrix24/client.ts';
import { EscalationEvents } from '../handoff/events.ts';
import { Handoff } from '../handoff/handoff.ts';
import type { Platform } from './platform.ts';

/** A person takes over: escalations, the managers, their console's live events, the CRM's copy. */
export interface HandoffArea {
  handoff: Handoff;
  /** Bitrix24, when BITRIX24_WEBHOOK_URL is set: escalations and orders are copied there. */
  crm: Bitrix24Client | null;
}

export async function buildHandoff(p: Platform): Promise<HandoffArea> {
  const { config } = p;
  const crm = config.BITRIX24_WEBHOOK_URL ? new Bitrix24Client({ webhookUrl: config.BITRIX24_WEBHOOK_URL }) : null;
  const handoff = new Handoff({
    phrases: p.phrases,
    profile: () => p.profile.current(),
    db: p.database.db,
    clock: p.clock,
    log: p.log,
    templates: p.templates,
    events: new EscalationEvents(),
    managerPhones: config.MANAGER_PHONES,
    slaMinutes: config.ESCALATION_SLA_MINUTES,
    workingHours: config.WORKING_HOURS,
    crm,
  });
  await handoff.ensureManagers();
  return { handoff, crm };
}
