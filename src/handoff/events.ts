import { EventEmitter } from 'node:events';

/**
 * Escalation changes inside this process, for the console's live updates. With several
 * processes a console sees changes made through its own process at once and the rest on its
 * next refresh (it also polls).
 */
export class EscalationEvents extends EventEmitter {
  constructor() {
    super();
    this.setMaxListeners(0);
  }
  changed(id: number | null): void {
    this.emit('changed', id);
  }
}
