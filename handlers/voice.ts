import { spokenLanguage } from '../core/language.ts';
import { on } from './context.ts';

/**
 * A voice note (or forwarded audio): ffmpeg → Whisper; the transcript becomes the turn and
 * its language the reply language, shown back as "🎤 …". Every failure gets a polite answer in
 * the shopper's language, never silence.
 */
export const voiceHandler = on('audio', async (ctx) => {
  const audio = ctx.message.media;
  const { assistant, media, config } = ctx.services;
  if (!audio.id) return assistant.sayPhrase(ctx, 'voice_unreadable');
  const r = await media.voice(audio.id, audio.sha256);
  if (r.ok) {
    // Whisper is priced by the minute: rates.yaml's per_minute
    ctx.event('model_usage', { model: config.OPENAI_TRANSCRIBE_MODEL, calls: 1, seconds: r.seconds });
    return assistant.reply(ctx, r.text, { lang: spokenLanguage(r.language), heard: true });
  }
  ctx.log.info({ reason: r.reason }, 'voice note not transcribed');
  switch (r.reason) {
    case 'offline':
      return assistant.sayPhrase(ctx, 'voice_offline');
    case 'too_long':
      return assistant.sayPhrase(ctx, 'voice_too_long', { minutes: Math.round(config.VOICE_MAX_SECONDS / 60) });
    case 'too_large':
      return assistant.sayPhrase(ctx, 'media_too_large');
    case 'no_speech':
      return assistant.sayPhrase(ctx, 'voice_repeat');
    case 'failed':
      // transcription service down: the offline answer, like any model outage
      return assistant.sayPhrase(ctx, 'voice_offline');
    default:
      return assistant.sayPhrase(ctx, 'voice_unreadable');
  }
});
