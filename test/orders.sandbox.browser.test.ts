import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { browserSuite, signInToConsole } from './helpers/browser.ts';

const shot = async (page: { screenshot(o: { path: string; fullPage?: boolean }): Promise<unknown> }, name: string, fullPage = true) => {
  mkdirSync('test-artifacts', { recursive: true });
  mkdirSync('test/screenshots', { recursive: true });
  await page.screenshot({ path: `test-artifacts/${name}`, fullPage });
  copyFileSync(`test-artifacts/${name}`, `test/screenshots/${name}`);
};

/**
 * The whole sale in the sandbox, offline, in Debian's chromium: search → card → add to cart →
 * "ещё одну" → cart → checkout → address → name → confirm → order number, payment link, invoice
 * PDF; then the console's Orders view marks it shipped and the shopper gets the template.
 * The screenshots are the README's.
 */
describe('buying in the sandbox, in chromium', () => {
  const suite = browserSuite({ ADMIN_TOKEN: 'console-secret', CHECKOUT_URL: 'https://pay.example.kz/checkout?order={order}&amount={total}&cur={currency}' });

  it('from search to a placed order with its payment link and invoice; the console marks it shipped', async () => {
    const page = await suite.browser.newPage({ viewport: { width: 420, height: 1400 } });
    await page.goto(`${suite.base}/sandbox`);
    await page.getByLabel('Телефон').fill('77015550101');
    await page.getByLabel('Телефон').dispatchEvent('change');
    await page.getByLabel('Имя').fill('Айгерим');
    await page.getByLabel('Имя').dispatchEvent('change');
    const input = page.getByLabel('Сообщение');
    const last = () => page.locator('.msg.out').last().textContent();
    const outs = () => page.locator('.msg.out').count();
    const answered = async (act: () => Promise<void>) => {
      const before = await outs();
      await act();
      await expect.poll(outs).toBeGreaterThan(before);
    };
    const say = (text: string) =>
      answered(async () => {
        await input.fill(text);
        await input.press('Enter');
      });
    const tap = (name: string) => answered(() => page.getByRole('button', { name }).last().click());

    await say('голубой диван');
    await expect.poll(last).toContain('Вот что нашлось');
    await say('первый');
    await expect.poll(last).toContain('🛒 В корзину');
    // WhatsApp's *bold* is drawn bold, the marks gone
    const card = page.locator('.msg.out').last();
    expect(await card.locator('b').first().textContent()).toBeTruthy();
    expect(await card.textContent()).not.toContain('*');
    await tap('🛒 В корзину');
    await expect.poll(last).toContain('× 1 в корзину');
    await say('ещё одну');
    await expect.poll(last).toContain('Теперь в корзине');
    await say('корзина');
    await expect.poll(last).toContain('Ваша корзина:');
    await tap('✅ Оформить');
    await expect.poll(last).toContain('Как вам удобнее получить заказ?');
    await tap('🚚 Доставка');
    await say('Алматы, пр. Абая 10, кв 5');
    await expect.poll(last).toContain('Как вас зовут?');
    await tap('Айгерим');
    await expect.poll(last).toContain('Проверьте заказ:');
    const before = await outs();
    await page.getByRole('button', { name: '✅ Подтвердить' }).last().click();
    // one message: the payment button under the confirmation, the invoice as its header
    await expect.poll(outs).toBeGreaterThanOrEqual(before + 1);
    const texts = await page.locator('.msg.out').allTextContents();
    const placed = texts.find((t) => /Заказ №\d+ оформлен/.test(t))!;
    const number = /№(\d+)/.exec(placed)![1]!;
    const pay = page.getByRole('link', { name: '↗ Оплатить' });
    expect(await pay.getAttribute('href')).toMatch(new RegExp(`^https://pay\\.example\\.kz/checkout\\?order=${number}&amount=\\d+\\.00&cur=KZT$`));
    const doc = page.locator('a.doc').last();
    await expect.poll(() => doc.textContent()).toContain(`invoice-${number}.pdf`);
    await shot(page, 'sandbox-checkout.png');

    // the invoice link opens the PDF; its first page rendered with pdftoppm is the README's picture
    const href = (await doc.getAttribute('href'))!;
    const pdf = Buffer.from(await (await fetch(`${suite.base}${href}`)).arrayBuffer());
    writeFileSync('test-artifacts/invoice.pdf', pdf);
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', 'test-artifacts/invoice.pdf', 'test-artifacts/invoice']);
    copyFileSync('test-artifacts/invoice.png', 'test/screenshots/invoice.png');
    expect(execFileSync('pdftotext', ['test-artifacts/invoice.pdf', '-'], { encoding: 'utf8' })).toContain(`Счёт № ${number}`);

    // the manager console: Orders, the order, shipped
    const consolePage = await suite.browser.newPage({ viewport: { width: 1000, height: 640 } });
    await signInToConsole(suite, consolePage);
    await consolePage.getByRole('button', { name: 'Заказы' }).click();
    await consolePage.locator(`[data-order="${number}"]`).click();
    await expect.poll(() => consolePage.locator('#order').textContent()).toContain('Алматы, пр. Абая 10, кв 5');
    await consolePage.getByLabel('Статус').selectOption('shipped');
    await consolePage.getByRole('button', { name: 'Изменить статус' }).click();
    await expect.poll(() => consolePage.locator(`[data-order="${number}"] .st`).textContent()).toBe('отправлен');
    await shot(consolePage, 'console-orders.png', false);
    // the shopper is told through order_shipped, drawn as WhatsApp draws it: the approved text
    // with the number in place and the quick reply by its label, not the template's data
    await expect.poll(last).toContain(`Заказ №${number} отправлен и уже в пути.`);
    expect(await last()).not.toMatch(/order_shipped|ШАБЛОН|order:/i);
    expect(await page.locator('.msg.out').last().getByRole('button', { name: 'Менеджер' }).isVisible()).toBe(true);
    await shot(page, 'sandbox-shipped.png', false);
  });
});

describe('a store with a Meta catalog, in the sandbox', () => {
  const suite = browserSuite({ WHATSAPP_CATALOG_ID: '194836987003835' });

  it('products come as a product_list; the page’s WhatsApp cart is sent as an order and goes to checkout', async () => {
    const page = await suite.browser.newPage({ viewport: { width: 420, height: 1000 } });
    await page.goto(`${suite.base}/sandbox`);
    await page.getByLabel('Телефон').fill('77015550102');
    await page.getByLabel('Телефон').dispatchEvent('change');
    const input = page.getByLabel('Сообщение');
    await input.fill('голубой диван');
    await input.press('Enter');
    await expect.poll(() => page.locator('.msg.out .prod').count()).toBeGreaterThanOrEqual(2);
    await page.locator('.msg.out .prod button').nth(0).click();
    await page.locator('.msg.out .prod button').nth(0).click();
    await page.locator('.msg.out .prod button').nth(1).click();
    await expect.poll(() => page.locator('#cartsum').textContent()).toMatch(/× 2, .+ × 1$/);
    await page.getByRole('button', { name: 'Отправить корзину (order)' }).click();
    await expect.poll(() => page.locator('.msg.out').last().textContent()).toContain('Как вам удобнее получить заказ?');
    await expect.poll(() => page.locator('.msg.in').last().textContent()).toMatch(/^🛒 /);
    await shot(page, 'sandbox-catalog.png');
  });
});
