import { on } from './context.ts';

/**
 * A photo (with its caption): the vision model describes it, the catalog finds look-alikes.
 * Without a model, a caption is still searched as words; otherwise a polite answer.
 */
export const imageHandler = on('image', async (ctx) => {
  const image = ctx.message.media;
  const { assistant, media } = ctx.services;
  const caption = image.caption?.trim() || null;
  if (!image.id) return assistant.sayPhrase(ctx, 'photo_none');
  const r = await media.photo(image.id, { sha256: image.sha256, caption });
  if (r.ok) {
    ctx.event('model_usage', { ...r.usage, calls: 1 });
    return assistant.photo(ctx, r.description, caption);
  }
  ctx.log.info({ reason: r.reason }, 'photo not described');
  if (caption) return assistant.reply(ctx, caption);
  if (r.reason === 'too_large') return assistant.sayPhrase(ctx, 'media_too_large');
  return assistant.sayPhrase(ctx, 'photo_offline');
});
