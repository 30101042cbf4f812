import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type OpenAI from 'openai';
import { z } from 'zod';
import type { Profile } from '../profile/store-profile.ts';
import { MediaError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { WhatsAppClient } from '../whatsapp/client.ts';
import { convertForTranscription, type FfmpegBinary } from './ffmpeg.ts';

/** Meta's limits for what shoppers send: audio 16 MB, images 5 MB. */
export const MAX_AUDIO_BYTES = 16 * 1024 * 1024;
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;

export type VoiceResult =
  /** `language` as Whisper names it ("kazakh", "ru"…); core/language.ts reads it. */
  | { ok: true; text: string; language: string | null; seconds: number }
  | { ok: false; reason: 'offline' | 'too_long' | 'unreadable' | 'timeout' | 'too_large' | 'no_speech' | 'failed' };

export const photoDescription = z.object({
  is_product: z.boolean().catch(true),
  category: z.string().nullable().catch(null),
  color: z.string().nullable().catch(null),
  style: z.string().nullable().catch(null),
  material: z.string().nullable().catch(null),
  keywords: z.array(z.string()).catch([]),
});
export type PhotoDescription = z.infer<typeof photoDescription>;

export type PhotoResult =
  | { ok: true; description: PhotoDescription; usage: { model: string; promptTokens: number; completionTokens: number } }
  | { ok: false; reason: 'offline' | 'too_large' | 'unreadable' | 'failed' };

export interface MediaOptions {
  client: WhatsAppClient;
  /** The catalog's values the vision model answers in, current at each call. */
  /** The catalog's own values, offered to the vision model as the only answers (core/vocabulary.ts). */
  vocabulary: () => { values(field: 'category' | 'color' | 'style'): string[] };
  profile: () => Profile;
  ffmpeg: FfmpegBinary | null;
  /** null with no OPENAI_API_KEY: voice and photos get a polite offline answer. */
  openai: OpenAI | null;
  transcribeModel: string;
  visionModel: string;
  timeoutMs: number;
  convertTimeoutMs: number;
  maxVoiceSeconds: number;
  log: Logger;
}

/**
 * Voice notes and photos: download (size cap while reading, sha256 checked, a fresh URL on
 * expiry), ffmpeg → Whisper, or vision → a structured description. Every expected failure is
 * a value; temp files are always removed.
 */
export class Media {
  constructor(readonly opts: MediaOptions) {}

  private async download(dir: string, mediaId: string, maxBytes: number, sha256: string | undefined) {
    const to = join(dir, 'in');
    const r = await this.opts.client.downloadMedia(mediaId, { maxBytes, to });
    if (sha256 && sha256 !== r.sha256 && sha256 !== r.sha256Base64) {
      throw new MediaError(`media ${mediaId} sha256 mismatch`, 'corrupt');
    }
    return { path: to, mime: r.info.mimeType };
  }

  private failure(err: unknown): 'too_large' | 'failed' | 'unreadable' {
    if (!(err instanceof MediaError)) return 'failed';
    return err.problem === 'too_large' ? 'too_large' : 'unreadable';
  }

  /**
   * Re-sends a shopper's media to someone else (a manager): inbound media ids cannot be sent
   * on, so the file is downloaded and uploaded again. Null when that fails.
   */
  async forward(mediaId: string, phoneNumberId: string): Promise<{ id: string; mime: string } | null> {
    const dir = await mkdtemp(join(tmpdir(), 'vitrina-fwd-'));
    try {
      const to = join(dir, 'media');
      const r = await this.opts.client.downloadMedia(mediaId, { maxBytes: MAX_AUDIO_BYTES, to });
      const mime = r.info.mimeType ?? 'application/octet-stream';
      const { id } = await this.opts.client.uploadMedia(phoneNumberId, await readFile(to), mime);
      return { id, mime };
    } catch (err) {
      this.opts.log.warn({ err: String(err), mediaId }, 'media not forwarded');
      return null;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async voice(mediaId: string, sha256?: string): Promise<VoiceResult> {
    const { openai, ffmpeg, log } = this.opts;
    if (!openai || !ffmpeg) return { ok: false, reason: 'offline' };
    const dir = await mkdtemp(join(tmpdir(), 'vitrina-voice-'));
    try {
      let input: string;
      try {
        input = (await this.download(dir, mediaId, MAX_AUDIO_BYTES, sha256)).path;
      } catch (err) {
        log.warn({ err: String(err), mediaId }, 'voice download failed');
        return { ok: false, reason: this.failure(err) };
      }
      const wav = join(dir, 'voice.wav');
      const conv = await convertForTranscription({
        ffmpegPath: ffmpeg.path,
        input,
        output: wav,
        timeoutMs: this.opts.convertTimeoutMs,
        maxSeconds: this.opts.maxVoiceSeconds,
      });
      if (!conv.ok) return conv;
      try {
        const t = (await openai.audio.transcriptions.create(
          { file: createReadStream(wav), model: this.opts.transcribeModel, response_format: 'verbose_json' },
          { timeout: this.opts.timeoutMs },
        )) as { text: string; language?: string; segments?: Array<{ no_speech_prob?: number }> };
        const text = (t.text ?? '').trim();
        const silent = t.segments?.length ? t.segments.every((s) => (s.no_speech_prob ?? 0) > 0.8) : false;
        if (!text || silent) return { ok: false, reason: 'no_speech' };
        return { ok: true, text, language: t.language ?? null, seconds: conv.seconds };
      } catch (err) {
        log.warn({ err: String(err) }, 'transcription failed');
        return { ok: false, reason: 'failed' };
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * The vision call's structured output (json_schema, strict): category, colour and style are
   * enums of the catalog's own values (null when none fits), so the answer needs no mapping.
   */
  visionFormat(): { prompt: string; schema: Record<string, unknown> } {
    const v = this.opts.vocabulary();
    const p = this.opts.profile();
    const oneOf = (values: string[]) => (values.length ? { type: ['string', 'null'], enum: [...values.slice(0, 200), null] } : { type: ['string', 'null'] });
    return {
      prompt: [
        `You look at a shopper’s photo for the store "${p.name}", which sells ${p.sells}.`,
        'is_product: false for selfies, screenshots of text, memes and anything the store could not sell.',
        'category, color and style: the closest of the catalog’s values, or null. keywords: up to 5 words for the product, in the language of the category names.',
      ].join(' '),
      schema: {
        type: 'object',
        additionalProperties: false,
        required: ['is_product', 'category', 'color', 'style', 'material', 'keywords'],
        properties: {
          is_product: { type: 'boolean' },
          category: oneOf(v.values('category')),
          color: oneOf(v.values('color')),
          style: oneOf(v.values('style')),
          material: { type: ['string', 'null'] },
          keywords: { type: 'array', items: { type: 'string' } },
        },
      },
    };
  }

  async photo(mediaId: string, opts: { sha256?: string; caption?: string | null } = {}): Promise<PhotoResult> {
    const { openai, log } = this.opts;
    if (!openai) return { ok: false, reason: 'offline' };
    const dir = await mkdtemp(join(tmpdir(), 'vitrina-photo-'));
    try {
      let file: { path: string; mime: string | null };
      try {
        file = await this.download(dir, mediaId, MAX_IMAGE_BYTES, opts.sha256);
      } catch (err) {
        log.warn({ err: String(err), mediaId }, 'photo download failed');
        return { ok: false, reason: this.failure(err) };
      }
      const data = (await readFile(file.path)).toString('base64');
      const format = this.visionFormat();
      try {
        const res = await openai.chat.completions.create(
          {
            model: this.opts.visionModel,
            response_format: { type: 'json_schema', json_schema: { name: 'photo', strict: true, schema: format.schema } },
            messages: [
              {
                role: 'system',
                content: format.prompt,
              },
              {
                role: 'user',
                content: [
                  { type: 'text', text: opts.caption ? `Shopper’s caption: ${opts.caption}` : 'No caption.' },
                  { type: 'image_url', image_url: { url: `data:${file.mime ?? 'image/jpeg'};base64,${data}` } },
                ],
              },
            ],
          },
          { timeout: this.opts.timeoutMs },
        );
        const parsed = photoDescription.safeParse(JSON.parse(res.choices[0]?.message.content ?? '{}'));
        const usage = { model: this.opts.visionModel, promptTokens: res.usage?.prompt_tokens ?? 0, completionTokens: res.usage?.completion_tokens ?? 0 };
        return parsed.success ? { ok: true, description: parsed.data, usage } : { ok: false, reason: 'failed' };
      } catch (err) {
        log.warn({ err: String(err) }, 'vision failed');
        return { ok: false, reason: 'failed' };
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
