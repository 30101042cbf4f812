import { mkdirSync } from 'node:fs';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from './helpers/backends.ts';
import { startHarness, type Harness } from './helpers/harness.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The sandbox page in Debian's chromium, offline assistant on the demo catalog. */
describe('sandbox page in chromium', () => {
  const backend = backends()[0]!;
  let h: Harness;
  let server: ServerType;
  let browser: Browser;
  let base = '';

  beforeAll(async () => {
    h = await startHarness({ backend, env: { BOT: 'assistant' }, demo: true });
    h.services.inbox.pump.start();
    h.services.sender.pump.start();
    await new Promise<void>((resolve) => {
      server = serve({ fetch: h.app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
        base = `http://127.0.0.1:${info.port}`;
        resolve();
      });
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    server?.close();
    await h?.close();
  });

  it('a shopper asks for grey sofas, opens the list, taps one, watches its price', async () => {
    const page = await browser.newPage({ viewport: { width: 420, height: 860 } });
    await page.goto(`${base}/sandbox?phone=77015550001&name=Айгерим`);
    const input = page.getByLabel('Сообщение');
    await input.fill('хочу серый диван до 300 тысяч');
    await input.press('Enter');

    await page.getByRole('button', { name: '☰ Выбрать' }).click();
    const firstRow = page.locator('#sheet .row').first();
    const title = (await firstRow.locator(':scope').evaluate((el) => el.childNodes[0]!.textContent)) ?? '';
    expect(title).toMatch(/^Диван/);
    await firstRow.click();
    await expect.poll(() => page.locator('.msg.out').last().textContent()).toContain('₸');
    await page.locator('.msg.out').last().getByRole('button', { name: '🔔 Следить за ценой' }).click();
    await page.getByRole('button', { name: 'Скидка от 10 %' }).click();
    await expect.poll(() => page.locator('.msg.out').last().textContent()).toMatch(/^Готово! Сообщу, когда «.+» будет стоить .+ ₸ или меньше\./);

    const shopperSide = await page.locator('.msg.in').allTextContents();
    expect(shopperSide.map((t) => t.replace(/\d{1,2}:\d\d(\s?[AP]M)?$/, ''))).toEqual(['хочу серый диван до 300 тысяч', title, '🔔 Следить за ценой', 'Скидка от 10 %']);
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/sandbox.png', fullPage: true });
  });
});
