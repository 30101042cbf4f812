import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { browserSuite } from './helpers/browser.ts';

/** The sandbox page in Debian's chromium, offline assistant on the demo catalog. */
describe('sandbox page in chromium', () => {
  const suite = browserSuite({});

  it('a shopper asks for grey sofas, opens the list, taps one, watches its price', async () => {
    const page = await suite.browser.newPage({ viewport: { width: 420, height: 860 } });
    await page.goto(`${suite.base}/sandbox?phone=77015550001&name=Айгерим`);
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
    await expect.poll(() => page.locator('.msg.out').last().textContent()).toMatch(/^Готово! Сообщу, когда «.+» будет стоить .+\u00a0₸ или меньше\./);

    const shopperSide = await page.locator('.msg.in').allTextContents();
    expect(shopperSide.map((t) => t.replace(/\d{1,2}:\d\d(\s?[AP]M)?$/, ''))).toEqual([
      'хочу серый диван до 300 тысяч',
      title,
      '🔔 Следить за ценой',
      'Скидка от 10 %',
    ]);
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/sandbox.png', fullPage: true });
  });
});
