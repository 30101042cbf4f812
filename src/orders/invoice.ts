import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import { formatPrice } from '../catalog/money.ts';
import { LOCALE, type Lang } from '../lang.ts';
import { say, type PhraseBook } from '../phrases.ts';
import type { Profile } from '../profile/store-profile.ts';
import type { Order } from './order-repo.ts';

// DejaVu Sans covers Cyrillic with the Kazakh letters; it ships as an npm package, so no system font is needed.
const require = createRequire(import.meta.url);
const FONT = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
const BOLD = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf');

/**
 * The order's invoice as a PDF (A4): the store, the order number and date, who and how it goes,
 * its lines at the confirmed prices and the total, in the order's language. Rendered from the
 * order as stored, so the same order always gives the same document.
 */
export function renderInvoice(order: Order, profile: Profile, book: PhraseBook): Promise<Buffer> {
  const lang = order.language as Lang;
  const t = (key: string, vars: Record<string, string | number> = {}) => say(book, lang, key, vars);
  const money = (minor: number) => formatPrice(minor, order.currency, lang);
  const date = new Intl.DateTimeFormat(LOCALE[lang], { timeZone: profile.timeZone, dateStyle: 'long' }).format(order.createdAt);

  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    info: { Title: t('inv_title', { number: order.number }), Author: profile.name, CreationDate: order.createdAt },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('text', FONT);
  doc.registerFont('bold', BOLD);

  doc.font('bold').fontSize(18).text(profile.name);
  doc.moveDown(0.5);
  doc
    .font('bold')
    .fontSize(14)
    .text(t('inv_title', { number: order.number }));
  doc.font('text').fontSize(10).fillColor('#444').text(date);
  doc.moveDown();
  doc.fillColor('#000').fontSize(11);
  doc.text(`${t('inv_customer')}: ${order.customerName}`);
  doc.text(order.fulfilment === 'delivery' ? `${t('inv_delivery')}: ${order.address ?? ''}` : t('inv_pickup'));
  doc.moveDown();

  const left = 50;
  const cols = { name: left, qty: 330, price: 380, sum: 470 };
  const width = { name: 270, qty: 40, price: 85, sum: 75 };
  const row = (cells: { name: string; qty: string; price: string; sum: string }, font: 'text' | 'bold') => {
    doc.font(font).fontSize(10);
    const y = doc.y;
    const h = doc.heightOfString(cells.name, { width: width.name });
    doc.text(cells.name, cols.name, y, { width: width.name });
    doc.text(cells.qty, cols.qty, y, { width: width.qty, align: 'right' });
    doc.text(cells.price, cols.price, y, { width: width.price, align: 'right' });
    doc.text(cells.sum, cols.sum, y, { width: width.sum, align: 'right' });
    doc.x = left;
    doc.y = y + h + 6;
  };
  row({ name: t('inv_item'), qty: t('inv_qty'), price: t('inv_price'), sum: t('inv_sum') }, 'bold');
  doc
    .moveTo(left, doc.y - 3)
    .lineTo(545, doc.y - 3)
    .strokeColor('#999')
    .stroke();
  for (const l of order.lines) row({ name: l.name, qty: String(l.quantity), price: money(l.price), sum: money(l.price * l.quantity) }, 'text');
  doc.moveTo(left, doc.y).lineTo(545, doc.y).stroke();
  doc.moveDown(0.5);
  doc
    .font('bold')
    .fontSize(12)
    .text(`${t('inv_total')}: ${money(order.total)}`, left, doc.y, { width: 495, align: 'right' });
  doc.moveDown(2);
  doc
    .font('text')
    .fontSize(9)
    .fillColor('#666')
    .text(order.paymentUrl ? t('inv_pay_link') : t('inv_pay_on_delivery'), left, doc.y, { width: 495 });
  doc.end();
  return done;
}
