import { acknowledgementHandler } from './acknowledgement.ts';
import { checkoutHandler } from './checkout.ts';
import { consentHandler } from './consent.ts';
import { compose, type Handler } from './context.ts';
import { fallbackHandler } from './fallback.ts';
import { floodHandler } from './flood.ts';
import { handoffHandler } from './handoff.ts';
import { imageHandler } from './image.ts';
import { interactiveHandler } from './interactive.ts';
import { locationHandler } from './location.ts';
import { orderHandler } from './order.ts';
import { reactionHandler } from './reaction.ts';
import { textHandler } from './text.ts';
import { voiceHandler } from './voice.ts';

/**
 * Guards, in order, look at every message: a hand-off takes the shopper's messages, a flood
 * stops them, STOP/START is consent, a thank-you needs no answer, and the checkout's questions
 * take words while they are asked. Each answers or passes the turn on.
 */
export const guards: Handler[] = [handoffHandler, floodHandler, consentHandler, acknowledgementHandler, checkoutHandler];

/** Then the handler of the message's kind (`on`); what none takes gets the fallback's answer. */
export const kindHandlers: Handler[] = [textHandler, interactiveHandler, voiceHandler, imageHandler, orderHandler, locationHandler, reactionHandler];

export const runTurn = compose([...guards, ...kindHandlers, fallbackHandler]);
