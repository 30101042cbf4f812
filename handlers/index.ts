import { acknowledgementHandler } from './acknowledgement.ts';
import { compose, type Handler } from './context.ts';
import { checkoutHandler } from './checkout.ts';
import { consentHandler } from './consent.ts';
import { fallbackHandler } from './fallback.ts';
import { floodHandler } from './flood.ts';
import { handoffHandler } from './handoff.ts';
import { interactiveHandler } from './interactive.ts';
import { orderHandler } from './order.ts';
import { imageHandler } from './image.ts';
import { textHandler } from './text.ts';
import { voiceHandler } from './voice.ts';

/** The turn pipeline, in order. Each handler answers its kind or calls next(). */
export const handlers: Handler[] = [
  handoffHandler,
  floodHandler,
  consentHandler,
  acknowledgementHandler,
  checkoutHandler,
  textHandler,
  interactiveHandler,
  voiceHandler,
  imageHandler,
  orderHandler,
  fallbackHandler,
];

export const runTurn = compose(handlers);
