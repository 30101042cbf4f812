import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import ffmpeg from 'fluent-ffmpeg';

export interface FfmpegBinary {
  path: string;
  /** Where it came from: FFMPEG_PATH, the PATH, or the binary shipped in @ffmpeg-installer/ffmpeg. */
  source: 'FFMPEG_PATH' | 'PATH' | '@ffmpeg-installer/ffmpeg';
}

const executable = (p: string) => {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
};

/** FFMPEG_PATH, else `ffmpeg` on the PATH, else the npm-shipped binary, so a fresh `npm ci` works. */
export function resolveFfmpeg(env: Record<string, string | undefined> = process.env): FfmpegBinary | null {
  if (env.FFMPEG_PATH && executable(env.FFMPEG_PATH)) return { path: env.FFMPEG_PATH, source: 'FFMPEG_PATH' };
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const p = join(dir, 'ffmpeg');
    if (executable(p)) return { path: p, source: 'PATH' };
  }
  try {
    const shipped = createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string };
    if (executable(shipped.path)) return { path: shipped.path, source: '@ffmpeg-installer/ffmpeg' };
  } catch {
    // not installed for this platform
  }
  return null;
}

export type Conversion = { ok: true; seconds: number } | { ok: false; reason: 'too_long' | 'unreadable' | 'timeout' };

const WAV_BYTES_PER_SECOND = 16_000 * 2;

/**
 * Converts a voice note (OGG/Opus, AAC, AMR, MP3, M4A, WebM…) to 16 kHz mono 16-bit WAV for
 * transcription. A hard timeout kills ffmpeg; notes longer than `maxSeconds` are refused,
 * whether or not the container announces its duration (the output is cut just past the cap
 * and measured).
 */
export function convertForTranscription(opts: {
  ffmpegPath: string;
  input: string;
  output: string;
  timeoutMs: number;
  maxSeconds: number;
  /** Benchmarks: the ffmpeg process id, to sample its memory. */
  onSpawn?: (pid: number) => void;
}): Promise<Conversion> {
  return new Promise((resolve) => {
    let settled = false;
    let tooLong = false;
    const done = (r: Conversion) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const cmd = ffmpeg(opts.input)
      .setFfmpegPath(opts.ffmpegPath)
      .noVideo()
      .audioChannels(1)
      .audioFrequency(16_000)
      .audioCodec('pcm_s16le')
      .format('wav')
      .outputOptions(['-t', String(opts.maxSeconds + 1)])
      .on('codecData', (data: { duration?: string }) => {
        const m = data.duration?.match(/^(\d+):(\d+):(\d+(?:\.\d+)?)$/);
        if (m && Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) > opts.maxSeconds) {
          tooLong = true;
          cmd.kill('SIGKILL');
        }
      })
      .on('start', () => {
        const pid = (cmd as unknown as { ffmpegProc?: { pid?: number } }).ffmpegProc?.pid;
        if (pid && opts.onSpawn) opts.onSpawn(pid);
      })
      .on('error', () => done(tooLong ? { ok: false, reason: 'too_long' } : { ok: false, reason: 'unreadable' }))
      .on('end', () => {
        let seconds = 0;
        try {
          seconds = Math.max(0, statSync(opts.output).size - 44) / WAV_BYTES_PER_SECOND;
        } catch {
          return done({ ok: false, reason: 'unreadable' });
        }
        if (seconds > opts.maxSeconds) return done({ ok: false, reason: 'too_long' });
        if (seconds === 0) return done({ ok: false, reason: 'unreadable' });
        done({ ok: true, seconds });
      });
    const timer = setTimeout(() => {
      done({ ok: false, reason: 'timeout' });
      cmd.kill('SIGKILL');
    }, opts.timeoutMs);
    cmd.save(opts.output);
  });
}
