import { sampleVocabulary } from './src/catalog/demo.ts';
import { extract } from './core/extract.ts';
import { readFileSync } from 'node:fs';
const v = sampleVocabulary('furniture');
const cases = JSON.parse(readFileSync('test/eval/utterances.json','utf8'));
let bad=0;
for (const c of cases) { if (c.tool!=='search_products') continue; const e = extract(c.text, v); const got = {category:e.category, color:e.color, style:e.style, max_price:e.budgetMax};
 const ok = Object.entries(c.args).every(([k,val])=> String(got[k]).toLowerCase().replace(/ё/g,'е')===String(val).toLowerCase().replace(/ё/g,'е'));
 if(!ok){bad++; console.log(c.text, JSON.stringify(c.args), JSON.stringify(got), JSON.stringify(e.rest));} }
console.log('bad', bad);
for (const t of ['до 500 тенге', '20 мыңға дейін', '$50', 'under $100', 'до 300к', 'от 100 до 300 тысяч', 'чёрный диван', 'кара диван']) console.log(t, JSON.stringify(extract(t, v)));
