// The ranked list: scored answers best first (ties keep arrival order), then
// the answers still streaming or waiting for their score. Each answer keeps
// its element across updates, so streaming text does not flicker.
//
// Test hooks: a scored answer is data-testid="candidate" with data-rank (1 =
// Cappy's pick) and data-score (the raw score); an unscored one is
// data-testid="candidate-pending".
export class ResultsView {
  #list;
  #items = new Map();  // slot -> { element, parts, text, done, score }

  constructor(list) {
    this.#list = list;
  }

  clear() {
    this.#items.clear();
    this.#list.replaceChildren();
  }

  setText(slot, text, done = false) {
    const item = this.#item(slot);
    item.text = text;
    item.done ||= done;
    this.render();
  }

  setScore(slot, score) {
    this.#item(slot).score = score;
  }

  // The best answer's slot and score, or null.
  best() {
    const ranked = this.#ranked();
    return ranked.length ? { slot: ranked[0].slot, score: ranked[0].score, of: this.#items.size } : null;
  }

  render() {
    const ranked = this.#ranked();
    const unscored = [...this.#items.values()].filter((i) => i.score === null).sort((a, b) => a.slot - b.slot);
    const scores = ranked.map((i) => i.score);
    const [lo, hi] = [Math.min(...scores), Math.max(...scores)];
    ranked.forEach((item, position) => {
      const { element, parts } = item;
      element.dataset.testid = 'candidate';
      element.dataset.rank = String(position + 1);
      element.dataset.score = String(item.score);
      element.classList.toggle('pick', position === 0);
      parts.rank.textContent = `#${position + 1}`;
      parts.score.textContent = item.score.toFixed(4);
      // Relative to this set: the best fills the bar, the worst keeps a sliver.
      parts.fill.style.width = `${hi > lo ? 8 + (92 * (item.score - lo)) / (hi - lo) : 100}%`;
      parts.badge.hidden = position !== 0;
      parts.badge.className = 'badge';
      parts.badge.textContent = "Cappy's pick";
    });
    for (const item of unscored) {
      const { element, parts } = item;
      element.dataset.testid = 'candidate-pending';
      delete element.dataset.rank;
      delete element.dataset.score;
      element.classList.remove('pick');
      parts.rank.textContent = '–';
      parts.score.textContent = '';
      parts.fill.style.width = '0%';
      parts.badge.hidden = false;
      parts.badge.className = 'badge wait';
      parts.badge.textContent = item.done ? 'scoring…' : 'streaming…';
    }
    for (const item of [...ranked, ...unscored]) {
      if (item.parts.text.textContent !== item.text) item.parts.text.textContent = item.text;  // text, never HTML
      this.#list.append(item.element);  // moves it into place
    }
  }

  #ranked() {
    return [...this.#items.values()].filter((i) => i.score !== null).sort((a, b) => b.score - a.score || a.slot - b.slot);
  }

  #item(slot) {
    let item = this.#items.get(slot);
    if (item) return item;
    const element = document.createElement('li');
    element.dataset.slot = String(slot);
    const head = div('head');
    const parts = { rank: div('rank'), score: div('score'), fill: div(''), badge: document.createElement('span'), text: div('text') };
    const bar = div('bar');
    bar.append(parts.fill);
    bar.title = 'relative to the best and worst answer shown';
    const label = document.createElement('small');
    label.className = 'answer-no';
    label.textContent = `answer ${slot + 1} `;
    const right = div('');
    right.append(label, parts.badge);
    head.append(parts.rank, parts.score, bar, right);
    element.append(head, parts.text);
    item = { slot, element, parts, text: '', done: false, score: null };
    this.#items.set(slot, item);
    return item;
  }
}

function div(className) {
  const d = document.createElement('div');
  if (className) d.className = className;
  return d;
}
