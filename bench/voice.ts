/**
 * bench/voice: converting voice notes of 15 s, 60 s and 180 s (OGG/Opus, as WhatsApp sends
 * them, made with espeak-ng) to 16 kHz mono WAV through the service's own conversion.
 * Prints the median time of 5 runs and the peak memory of ffmpeg (VmHWM) and of this process.
 *
 *   npm run bench:voice
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertForTranscription, resolveFfmpeg } from '../src/media/ffmpeg.ts';
import { headline, procMemory, table } from './lib.ts';

const ffmpeg = resolveFfmpeg();
if (!ffmpeg) throw new Error('no ffmpeg');
const dir = mkdtempSync(join(tmpdir(), 'vt-bench-voice-'));
execFileSync('espeak-ng', ['-v', 'ru', '-s', '150', '-w', join(dir, 'say.wav'), 'покажи красные кресла, серый диван до трёхсот тысяч, пожалуйста']);

function note(seconds: number): string {
  const out = join(dir, `note-${seconds}.ogg`);
  execFileSync(ffmpeg!.path, [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-stream_loop',
    '-1',
    '-i',
    join(dir, 'say.wav'),
    '-t',
    String(seconds),
    '-ac',
    '1',
    '-ar',
    '48000',
    '-c:a',
    'libopus',
    '-b:a',
    '24k',
    out,
  ]);
  return out;
}

const hwmKb = (pid: number) => procMemory(pid, 'VmHWM') / 1024;

const rows = [];
for (const seconds of [15, 60, 180]) {
  const input = note(seconds);
  const times: number[] = [];
  let ffmpegPeak = 0;
  for (let i = 0; i < 5; i++) {
    let pid = 0;
    let peak = 0;
    const poll = setInterval(() => pid && (peak = Math.max(peak, hwmKb(pid))), 2);
    const t = performance.now();
    const r = await convertForTranscription({
      ffmpegPath: ffmpeg.path,
      input,
      output: join(dir, `out-${seconds}-${i}.wav`),
      timeoutMs: 30_000,
      maxSeconds: 300,
      onSpawn: (p) => (pid = p),
    });
    times.push(performance.now() - t);
    clearInterval(poll);
    if (!r.ok) throw new Error(`conversion failed: ${r.reason}`);
    ffmpegPeak = Math.max(ffmpegPeak, peak);
  }
  times.sort((a, b) => a - b);
  rows.push({
    note: `${seconds} s`,
    'input KB': Math.round(readFileSync(input).length / 1024),
    'median ms': times[2]!.toFixed(0),
    'min ms': times[0]!.toFixed(0),
    'ffmpeg peak MB': (ffmpegPeak / 1024).toFixed(1),
    'node rss MB': (process.memoryUsage().rss / 1048576).toFixed(0),
  });
}
rmSync(dir, { recursive: true, force: true });
console.log(`voice: OGG/Opus → 16 kHz mono WAV, ffmpeg from ${ffmpeg.source} (${ffmpeg.path}), median of 5`);
console.log(table(rows));
const sixty = rows.find((r) => r.note === '60 s');
const peaks = rows.map((r) => Number(r['ffmpeg peak MB']));
headline([
  ...(sixty
    ? [
        {
          benchmark: 'voice',
          measure: `60 s note, ${ffmpeg.source} ffmpeg`,
          result: `${sixty['median ms']} ms median`,
          goal: '≤ 150 ms',
          met: Number(sixty['median ms']) <= 150,
        },
      ]
    : []),
  {
    benchmark: 'voice',
    measure: `ffmpeg peak memory, ${rows.map((r) => r.note).join(' / ')}`,
    result: peaks.map((p) => `${p} MB`).join(' / '),
    goal: 'flat as notes grow',
    met: Math.max(...peaks) <= Math.min(...peaks) * 1.25,
  },
]);
process.exit(0);
