import { copyFileSync, mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { browserSuite } from './helpers/browser.ts';

/**
 * The English sporting-goods sample store (DEMO_CATALOG=sports) in Debian's chromium: the page
 * in English, a colour and budget request, "the second one", "anything cheaper?". The
 * screenshot is the README's (test/screenshots/sandbox-sports.png).
 */
describe('the sandbox with another store, in chromium', () => {
  const suite = browserSuite({}, 'sports');

  it('black running shoes under $150 → the list; "the second one" → its card; "anything cheaper?" → cheaper running shoes', async () => {
    const page = await suite.browser.newPage({ viewport: { width: 420, height: 1100 } });
    await page.goto(`${suite.base}/sandbox?phone=15550001234&name=Alex`);
    const input = page.getByLabel('Message');
    const say = async (text: string) => {
      const before = await page.locator('.msg.out').count();
      await input.fill(text);
      await input.press('Enter');
      await expect.poll(() => page.locator('.msg.out').count()).toBeGreaterThan(before);
    };
    await say('black running shoes under $150');
    await expect.poll(() => page.locator('.msg.out').last().textContent()).toContain('Here is what I found (black, running shoes, up to $150):');
    await say('the second one');
    await expect.poll(() => page.locator('.msg.out').last().textContent()).toContain('Nike Pegasus 41 Running Shoe');
    await expect.poll(() => page.locator('.msg.out').last().textContent()).toContain('$139.99');
    await say('anything cheaper?');
    await expect.poll(() => page.locator('.msg.out').last().textContent()).toContain('Here is what I found');
    await page.getByRole('button', { name: '☰ Choose' }).last().click();
    const rows = await page.locator('#sheet .row').allTextContents();
    expect(rows.length).toBeGreaterThanOrEqual(1);
    for (const r of rows) expect(Number(/\$(\d+(\.\d+)?)/.exec(r)![1])).toBeLessThan(139.99);
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/sandbox-sports.png', fullPage: true });
    mkdirSync('test/screenshots', { recursive: true });
    copyFileSync('test-artifacts/sandbox-sports.png', 'test/screenshots/sandbox-sports.png');
  });
});
