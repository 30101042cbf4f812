import { Orders } from '../orders/orders.ts';
import type { HandoffArea } from './handoff.ts';
import type { Messaging } from './messaging.ts';
import type { Platform } from './platform.ts';

/** Selling: orders (placed, paid, shipped), their invoices and checkout links. The cart is the turn's (core/cart.ts). */
export interface Commerce {
  orders: Orders;
}

export function buildCommerce(p: Platform, m: Pick<Messaging, 'sender'>, h: HandoffArea): Commerce {
  const { config } = p;
  if (!config.sandbox && !config.PUBLIC_URL) p.log.warn('PUBLIC_URL is not set: invoice links are relative, and Meta cannot fetch them');
  const orders = new Orders({
    db: p.database.db,
    clock: p.clock,
    log: p.log,
    templates: p.templates,
    phrases: p.phrases,
    profile: () => p.profile.current(),
    managers: h.handoff.managers,
    crm: h.crm,
    checkoutUrl: config.CHECKOUT_URL,
    publicUrl: config.PUBLIC_URL ?? null,
    queued: () => m.sender.pump.notify(),
    changed: () => h.handoff.events.changed(null),
  });
  return { orders };
}
