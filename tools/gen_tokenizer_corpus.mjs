#!/usr/bin/env node
// Writes tests/tokenizers/corpus.jsonl: the conformance corpus, one JSON
// string per line (so any character, newlines and NUL included, fits on one
// line). Deterministic: a fixed-seed PRNG and fixed word lists, so running
// it again gives the same bytes (the conformance test checks that).
//
// Every line mixes fragments of the categories below; the first lines are one
// plain fragment per category, so a failure there names what broke.
//
// Usage: node tools/gen_tokenizer_corpus.mjs [output path] [line count]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const outPath = process.argv[2] ?? path.join(here, '..', 'tests', 'tokenizers', 'corpus.jsonl');
const lineCount = Number(process.argv[3] ?? 5200);

// mulberry32: small, fast, and the same on every platform.
let seed = 0x5eed1234;
function random() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (n) => Math.floor(random() * n);
const pick = (list) => list[int(list.length)];
const repeat = (n, f) => Array.from({ length: n }, f);
const cp = (...codes) => String.fromCodePoint(...codes);
const range = (first, last) => cp(first + int(last - first + 1));

const english = `the of and to in is was for on that with as by at from his her an which but
not they have this are be were had one all their there been has more when who would will
score rank answer question model token pair response instruction capital France Paris
quick brown fox jumps over lazy dog HELLO World McDonald's O'Neil can't won't I'm we'll
tokenization unbelievably antidisestablishmentarianism rock'n'roll e-mail co-operate`.split(/\s+/);
const latin = `café naïve résumé Ångström façade jalapeño São Paulo Zürich Kraków Dvořák
Straße Œuvre Ærø smörgåsbord İstanbul ışık Łódź Ελληνικά Ὀδυσσεύς Москва Київ ǅemal ﬁnance ﬂow`.split(/\s+/);
const cjk = ['中文字符测试', '我爱北京天安门', '繁體中文與简体中文', '日本語のテキスト', 'ひらがなカタカナ', '東京都渋谷区',
  '한국어 텍스트', '안녕하세요 세계', 'ｶﾀｶﾅﾊﾝｶｸ', 'ｶﾞｷﾞｸﾞ ﾊﾟﾋﾟ', 'ＡＢＣ１２３', '（全角）「括弧」', '𠀀𠀁𪚥𩸽', '〇一二三', '㈱㌔㍻'];
const emoji = ['😀', '👍🏽', '🇺🇸', '🇯🇵🇫🇷', '👨‍👩‍👧', '👩🏾‍💻', '🏳️‍🌈', '❤️', '#️⃣', '1️⃣', '🧑‍🤝‍🧑', '👁️‍🗨️',
  '🤷‍♀️', '🐈‍⬛', '✌🏻', '☺︎', '🫠', '🇦', '🏴󠁧󠁢󠁳󠁣󠁴󠁿', '💯', '🙏🏼', '😂🤣'];
const combining = () => {
  const base = pick(['a', 'e', 'i', 'o', 'u', 'n', 'c', 'A', 'E', 'z', 'ﬁ', 'ß', 'Z', 'ｱ', '1', ' ', '']);
  return base + repeat(1 + int(3), () => range(0x300, 0x36f)).join('');
};
const rtl = ['مرحبا بالعالم', 'اللُّغَةُ العَرَبِيَّةُ', 'شكراً جزيلاً', 'שלום עולם', 'עִבְרִית', 'فارسی زبان', 'اردو',
  '١٢٣٤٥٦٧٨٩٠', '۱۲۳', 'ﷺ ﷽', 'ﻻ ﻼ', '\u200fRTL mark\u200e', '\u202aembed\u202c', '\u2067isolate\u2069'];
const indic = ['สวัสดีครับ', 'ภาษาไทย', 'กรุงเทพมหานคร', 'ຜົມຮັກເຈົ້າ', 'ភាសាខ្មែរ', 'नमस्ते दुनिया', 'क्षत्रिय', 'हिन्दी',
  'தமிழ்', 'বাংলা', 'ગુજરાતી', 'ꦲꦏ꧀ꦱꦫ', 'ཀ྄ཀ', 'ශ්‍රී ලංකා', 'മലയാളം'];
const controls = () => repeat(1 + int(3), () =>
  pick([cp(0), cp(1), cp(7), cp(8), '\t', '\n', '\v', '\f', '\r', '\r\n', cp(0x1b), cp(0x1f), cp(0x7f),
    cp(0x80), cp(0x85), cp(0x8f), cp(0x9f), cp(0xad), cp(0x200b), cp(0x200c), cp(0x200d), cp(0x2060),
    cp(0xfeff), cp(0xfffd), cp(0xfff9), cp(0xe000), cp(0xf8ff), cp(0xffff), cp(0x10ffff), cp(0x0378), cp(0xe0001)])).join('');
const spaces = () => repeat(1 + int(4), () =>
  pick([' ', cp(0xa0), cp(0x1680), range(0x2000, 0x200a), cp(0x2028), cp(0x2029), cp(0x202f), cp(0x205f),
    cp(0x3000), cp(0x180e), cp(0x2581), '\t', '  '])).join('');
const whitespaceRun = () => pick([' ', '\t', '\n', ' \n', cp(0xa0), '\r\n']).repeat(2 + int(60));
const longWord = () => {
  const kind = int(5);
  if (kind === 0) return 'x'.repeat(90 + int(150));
  if (kind === 1) return repeat(15 + int(30), () => pick(english)).join('');
  if (kind === 2) return 'pneumonoultramicroscopicsilicovolcanoconiosis'.repeat(1 + int(4));
  if (kind === 3) return repeat(60 + int(80), () => range(0x4e00, 0x9fff)).join('');
  return repeat(40 + int(80), () => pick(['a', 'é', 'ß', 'ø', 'ж', 'λ'])).join('');
};
const numbers = () => pick([
  String(int(1e9)), (random() * 1e6).toFixed(int(6)), '3.14159', '1,000,000', '-42', '1e-10', '0x1F', '½ ¾ ⅞',
  '²³¹', '₀₁₂', 'Ⅻ ⅳ Ⅷ', '①②③', '１２３４', '٣٤', '२०२४', '𝟙𝟚𝟛', '50%', '$19.99', '€5', '¥1000', '12:30pm', '2024-06-01T12:00:00Z',
  '+1 (555) 010-9999', '1st 2nd 3rd 4th', '10⁻³', 'π≈3.14',
]);
const code = () => pick([
  'int main(void) { return 0; }', 'for (let i = 0; i < n; ++i) sum += a[i];', 'def f(x): return x ** 2',
  'SELECT * FROM users WHERE id = 42;', '#include <stdio.h>', 'x => x.map(y => y * 2)', '<div class="a">&amp;</div>',
  'if (a && b || !c) { throw new Error("bad"); }', 'std::vector<std::string> v{"a", "b"};', 'fn main() -> Result<(), E> {}',
  '{"key": [1, 2.5, null, true]}', 'a_b_c__d', 'camelCaseIdentifier', 'snake_case_name', '$HOME/.config/*.json', 'C:\\Windows\\System32',
  'regex: ^[a-z]+\\d{2,}$', '    indented\tcode', '@decorator', '// comment /* block */', '`backtick` ~tilde~ |pipe|',
]);
const urls = () => pick([
  'https://example.com/path?q=1&r=2#frag', 'http://localhost:8080/', 'www.example.org', 'mailto:someone@example.com',
  'user.name+tag@sub.example.co.uk', 'ftp://files.example.net/a%20b.txt', 'https://ja.wikipedia.org/wiki/東京',
  'https://xn--bcher-kva.example/', 'file:///tmp/a.txt', 'git@github.com:org/repo.git', '192.168.0.1:443', '[::1]:80',
]);
const specials = () => pick(['<s>', '</s>', '<pad>', '<unk>', '<mask>', ' <mask>', '<mask> ', '[CLS]', '[SEP]', '[MASK]', '[PAD]',
  '[UNK]', '<extra_id_0>', '<extra_id_99>', '<extra_id_5>', '<s >', '< s>', '<mask', '[cls]', '▁', '▁▁', '<0x41>']);
const prose = () => repeat(3 + int(20), () => pick(random() < 0.8 ? english : latin)).join(pick([' ', ' ', ' ', ', ', '. ', ' - ']));
const punctuation = () => repeat(1 + int(6), () => pick(['.', ',', '!', '?', '...', '…', '—', '–', '"', '“', '”', '‘', '’', "'",
  '«', '»', '(', ')', '[', ']', '{', '}', '¿', '¡', '·', '•', '※', '§', '¶', '†', '‰', '°', '™', '©', '®', '℃', 'µ', 'Å'])).join('');
const math = () => pick(['𝐀𝐁𝐂 𝑥𝑦𝑧 𝕏𝕐', '∀x∈ℝ: x²≥0', '∑ᵢ aᵢ', '√2 ≠ 1.41', 'α+β=γ', 'ℌℑℜ', '∞ ∂ ∇ ∫', 'ﬀ ﬃ ﬄ ﬅ', 'ℓ ℮ №', '㎏ ㎞ ㎡']);

const categories = { english: prose, latin: () => pick(latin), cjk: () => pick(cjk), emoji: () => pick(emoji), combining, rtl: () => pick(rtl),
  indic: () => pick(indic), controls, spaces, whitespaceRun, longWord, numbers, code, urls, specials, punctuation, math };
const names = Object.keys(categories);

const lines = [];
for (const name of names) lines.push(categories[name]());  // one plain fragment per category first
lines.push('', ' ', '  ', '\t', '\n', cp(0xa0), cp(0x3000), cp(0xfeff), cp(0x85), cp(0x2581), 'a', 'A', '.');
while (lines.length < lineCount) {
  const parts = repeat(1 + int(6), () => categories[pick(names)]());
  let line = '';
  for (const part of parts) line += (line && random() < 0.7 ? pick([' ', ' ', '', '\t', '  ', cp(0xa0), '\n']) : '') + part;
  if (random() < 0.05) line = ' ' + line;
  if (random() < 0.05) line = line + ' ';
  lines.push(line);
}
fs.mkdirSync(path.dirname(outPath), { recursive: true });
fs.writeFileSync(outPath, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
console.log(`${outPath}: ${lines.length} lines, ${fs.statSync(outPath).size} bytes`);
