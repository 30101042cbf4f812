import type { Handler } from '../src/context.ts';

/**
 * Placeholder until the assistant (core/) lands: echoes text, and shows what lists and
 * buttons look like when asked ("list", "buttons") so the sandbox can exercise every shape.
 */
export const textHandler: Handler = async (ctx, next) => {
  if (ctx.message.type !== 'text' || !ctx.message.text) return next();
  const body = ctx.message.text.trim();
  const lower = body.toLowerCase();
  if (lower === 'list' || lower === 'список' || lower === 'меню') {
    ctx.replyList({
      body: 'Что показать?',
      button: 'Каталог',
      sections: [
        {
          title: 'Мебель',
          rows: [
            { id: 'cat:sofas', title: 'Диваны', description: 'Угловые, прямые, модульные' },
            { id: 'cat:armchairs', title: 'Кресла', description: 'Для гостиной и кабинета' },
            { id: 'cat:tables', title: 'Столы', description: 'Обеденные и журнальные' },
          ],
        },
      ],
    });
    return;
  }
  if (lower === 'buttons' || lower === 'кнопки') {
    ctx.replyButtons('Чем помочь?', [
      { id: 'act:search', title: 'Найти товар' },
      { id: 'act:alerts', title: 'Мои подписки' },
      { id: 'act:manager', title: 'Менеджер' },
    ]);
    return;
  }
  ctx.replyText(`Эхо: ${body}`);
};
