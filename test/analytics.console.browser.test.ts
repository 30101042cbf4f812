import { copyFileSync, mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { seedTraffic } from '../bench/analytics-seed.ts';
import { addDays } from '../src/analytics/period.ts';
import { accounts } from '../src/console/manager-accounts.ts';
import { browserSuite, MANAGER_PASSWORD } from './helpers/browser.ts';

const MANAGER = '77000000001';

/** A seeded store's analytics page in chromium: the same numbers as the API, charts drawn, each table exported as CSV. */
describe('the analytics page in chromium', () => {
  const suite = browserSuite({ ADMIN_TOKEN: 'console-secret', MANAGER_PHONES: MANAGER, TZ: 'Asia/Almaty' }, false);

  it('sign in, pick a period, read the figures, see the charts, export a table; signed out it sends you to sign in', async () => {
    const today = suite.h.services.analytics.today();
    await seedTraffic(suite.h.services.database.db, {
      from: addDays(today, -59),
      days: 60,
      inboundPerDay: 120,
      templatesPerDay: 30,
      shoppers: 400,
      managers: [MANAGER],
    });
    await suite.h.app.request('/admin/api/jobs/analytics/run', { method: 'POST', headers: { authorization: 'Bearer console-secret' } });
    const from = addDays(today, -29);
    const api = await (
      await suite.h.app.request(`/admin/api/analytics?from=${from}&to=${today}`, { headers: { authorization: 'Bearer console-secret' } })
    ).json();
    expect(api.messages.in).toBe(30 * 120);

    const page = await suite.browser.newPage({ viewport: { width: 1280, height: 1500 } });
    // not signed in: the page sends you to sign in, and back here after
    await page.goto(`${suite.base}/console/analytics`);
    await page.waitForURL(/\/console\?next=analytics$/);
    await accounts.create(suite.h.services.database.db, { login: 'aigerim', name: 'Айгерим', password: MANAGER_PASSWORD }, suite.h.clock.now());
    await page.getByLabel('Логин').fill('aigerim');
    await page.getByLabel('Пароль').fill(MANAGER_PASSWORD);
    await page.getByRole('button', { name: 'Войти' }).click();
    await page.waitForURL(/\/console\/analytics$/);
    await page.locator('.card').first().waitFor();

    const card = (label: string) => page.locator('.card', { hasText: label }).locator('b').textContent();
    const n = (v: number) => new Intl.NumberFormat('ru').format(v);
    expect(await card('Входящие')).toBe(n(api.messages.in));
    expect(await card('Исходящие')).toBe(n(api.messages.out));
    expect(await card('Заказы')).toBe(n(api.orders.count));
    expect(await card('Передано менеджеру')).toBe(n(api.handoffs.opened));
    expect(await card('Доставлено')).toBe(new Intl.NumberFormat('ru', { style: 'percent', maximumFractionDigits: 1 }).format(api.delivery.deliveryRate));
    // the funnel's table and chart, the template table with its CSV
    const funnelRows = page.locator('section', { hasText: 'Воронка' }).locator('table tr');
    await expect.poll(() => funnelRows.count()).toBe(8);
    expect(await funnelRows.nth(1).textContent()).toBe(`Поиски${n(api.funnel[0].count)}`);
    const drawn = await page.evaluate(() =>
      ['overTime', 'funnel'].map(
        (id) =>
          (window as unknown as { Chart: { getChart(id: string): { data: { datasets: Array<{ data: number[] }> } } | undefined } }).Chart.getChart(id)?.data
            .datasets[0]?.data.length ?? 0,
      ),
    );
    expect(drawn).toEqual([30, 7]);
    const download = page.waitForEvent('download');
    await page.locator('section', { hasText: 'Шаблоны' }).getByRole('link', { name: 'CSV' }).click();
    const csv = await (await download).createReadStream();
    let text = '';
    for await (const chunk of csv) text += String(chunk);
    expect(text.split('\r\n')[0]).toBe('template,sent,delivered,read,failed,taps,delivery_rate,read_rate,failure_rate');
    expect(text).toContain(`price_alert_notification,${api.templates.find((t: { template: string }) => t.template === 'price_alert_notification').sent},`);

    mkdirSync('test/screenshots', { recursive: true });
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/analytics.png', fullPage: true });
    copyFileSync('test-artifacts/analytics.png', 'test/screenshots/analytics.png');

    // another period through the picker: a week
    await page.getByRole('button', { name: '7 дней' }).click();
    await expect.poll(async () => card('Входящие')).toBe(n(7 * 120));
    const mobile = await suite.browser.newPage({ viewport: { width: 390, height: 1400 } });
    await mobile.context().addCookies(await page.context().cookies());
    await mobile.goto(`${suite.base}/console/analytics?from=${addDays(today, -6)}&to=${today}`);
    await expect.poll(async () => mobile.locator('.card', { hasText: 'Входящие' }).locator('b').textContent()).toBe(n(7 * 120));
    await mobile.screenshot({ path: 'test-artifacts/analytics-mobile.png' });
    copyFileSync('test-artifacts/analytics-mobile.png', 'test/screenshots/analytics-mobile.png');

    // signing out ends the session: the data endpoint refuses it
    await page.getByRole('button', { name: 'Выйти' }).click();
    await page.waitForURL(/\/console$/);
    const after = await page.evaluate(async () => (await fetch('/console/analytics/data')).status);
    expect(after).toBe(401);
  });
});
