import { describe, expect, it } from 'vitest';
import { compose, on, readInbound, type Handler, type TurnContext } from '../handlers/context.ts';
import type { InboxRow } from '../src/inbox/inbox-repo.ts';

/** A stored inbox row as the claim returns it, with Meta's message JSON. */
const row = (type: string, message: Record<string, unknown>, merged: InboxRow[] = []): InboxRow => ({
  id: 1,
  wamid: `wamid.${type}`,
  shopperKey: '77010000001',
  phoneNumberId: '1',
  type,
  message: { type, ...message },
  contact: null,
  attempts: 0,
  claimToken: 't',
  messageAt: new Date(0),
  receivedAt: new Date(0),
  shopperLanguage: null,
  shopperPreferences: null,
  shopperCheckout: null,
  activeEscalation: null,
  merged,
});

describe('inbound messages, typed', () => {
  it('each kind is read once into what it carries: words, taps, media, a location, an order, a reaction; a kind WhatsApp adds is unsupported with its name', () => {
    expect(readInbound(row('text', { text: { body: 'серый диван' } }, [row('text', { text: { body: 'до 300 тысяч' } })]))).toEqual({
      wamid: 'wamid.text',
      type: 'text',
      text: 'серый диван\nдо 300 тысяч',
      replyId: null,
    });
    expect(readInbound(row('interactive', { interactive: { type: 'list_reply', list_reply: { id: 'ZT-1', title: 'Диван' } } }))).toMatchObject({
      type: 'interactive',
      text: 'Диван',
      replyId: 'ZT-1',
    });
    expect(readInbound(row('button', { button: { payload: 'take:3', text: 'Взять' } }))).toMatchObject({ type: 'button', text: 'Взять', replyId: 'take:3' });
    expect(readInbound(row('image', { image: { id: 'm1', mime_type: 'image/jpeg', caption: 'такой' } }))).toMatchObject({
      type: 'image',
      text: 'такой',
      media: { id: 'm1', caption: 'такой' },
    });
    expect(readInbound(row('audio', { audio: { id: 'm2', voice: true } }))).toMatchObject({ type: 'audio', text: null, media: { id: 'm2', voice: true } });
    expect(readInbound(row('document', { document: { id: 'm3', filename: 'spec.pdf' } }))).toMatchObject({ type: 'document', media: { filename: 'spec.pdf' } });
    expect(readInbound(row('location', { location: { latitude: 43.2, longitude: 76.9, name: 'Дом' } }))).toMatchObject({
      type: 'location',
      location: { latitude: 43.2, name: 'Дом' },
    });
    expect(readInbound(row('order', { order: { catalog_id: 'c', product_items: [{ product_retailer_id: 'ZT-1', quantity: 2 }] } }))).toMatchObject({
      type: 'order',
      order: { product_items: [{ product_retailer_id: 'ZT-1' }] },
    });
    expect(readInbound(row('reaction', { reaction: { message_id: 'wamid.x', emoji: '👍' } }))).toMatchObject({ type: 'reaction', reaction: { emoji: '👍' } });
    expect(readInbound(row('contacts', { contacts: [{}] }))).toEqual({
      wamid: 'wamid.contacts',
      type: 'unsupported',
      original: 'contacts',
      text: null,
      replyId: null,
    });
    // a media message without its object (a malformed delivery) still reads, with nothing in it
    expect(readInbound(row('image', {}))).toMatchObject({ type: 'image', media: {}, text: null });
  });

  it('on(kind) runs its handler for that kind only and passes the others on', async () => {
    const seen: string[] = [];
    const turn = (type: string, message: Record<string, unknown>) => ({ message: readInbound(row(type, message)) }) as unknown as TurnContext;
    const run = compose([
      on('image', (ctx) => {
        seen.push(`image ${ctx.message.media.id}`);
      }),
      on(['interactive', 'button'], (ctx) => {
        seen.push(`tap ${ctx.message.replyId}`);
      }),
      () => {
        seen.push('fallback');
      },
    ]);
    await run(turn('image', { image: { id: 'm1' } }));
    await run(turn('button', { button: { payload: 'p', text: 'x' } }));
    await run(turn('text', { text: { body: 'hi' } }));
    expect(seen).toEqual(['image m1', 'tap p', 'fallback']);
  });

  it('a handler that calls next() twice is an error, not two answers', async () => {
    const answers: string[] = [];
    const twice: Handler = async (_ctx, next) => {
      await next();
      await next();
    };
    const run = compose([twice, () => void answers.push('answer')]);
    await expect(run({} as TurnContext)).rejects.toThrow('handler twice called next() twice');
    expect(answers).toEqual(['answer']);
  });
});
