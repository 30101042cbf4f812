import { Zip, ZipDeflate } from 'fflate';
import { describe, expect, it } from 'vitest';
import { zipNames } from '../../src/exchange/unzip.ts';

/** A zip bomb: `mb` megabytes of zeros, deflated to about a thousandth of that. */
function bomb(mb: number): Uint8Array {
  const parts: Uint8Array[] = [];
  const zip = new Zip((err, data) => {
    if (err) throw err;
    parts.push(data);
  });
  const entry = new ZipDeflate('import0_1.xml', { level: 9 });
  zip.add(entry);
  const zeros = new Uint8Array(1024 * 1024);
  for (let i = 0; i < mb; i++) entry.push(zeros, false);
  entry.push(new Uint8Array(0), true);
  zip.end();
  return Buffer.concat(parts);
}

describe('archives', () => {
  it('a zip bomb is refused at the limit, and while it unpacks the event loop keeps running (no stalled /healthz)', async () => {
    const zip = bomb(128);
    expect(zip.length).toBeLessThan(256 * 1024);
    let ticks = 0;
    let done = false;
    const tick = () => {
      ticks++;
      if (!done) setImmediate(tick);
    };
    setImmediate(tick);
    // the archive arrives whole, as a finished 1C upload is read
    await expect(
      zipNames(
        (async function* () {
          yield zip;
        })(),
        64 * 1024 * 1024,
      ),
    ).rejects.toThrow(/unpacks to more than 67108864 bytes/);
    done = true;
    // at least one turn of the event loop per 16 MB unpacked
    expect(ticks).toBeGreaterThanOrEqual(4);
  });
});
