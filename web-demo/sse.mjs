// A parser for Server-Sent Events (the text/event-stream format that
// OpenAI-compatible servers stream chat completions in). Feed it decoded text
// in whatever pieces the network delivers; it returns the events completed so
// far. Only what chat streaming uses is kept: the event's data (multi-line
// data joined with "\n") and its name.
export class SseParser {
  #buffer = '';
  #data = [];
  #event = '';

  // Text -> [{ event, data }] for every event that ended in this piece.
  push(text) {
    this.#buffer += text;
    const events = [];
    for (;;) {
      const end = this.#buffer.search(/\r\n|\r|\n/);
      if (end < 0) break;
      // A lone "\r" at the very end may be the first half of "\r\n".
      if (this.#buffer[end] === '\r' && end === this.#buffer.length - 1) break;
      const line = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + (this.#buffer.startsWith('\r\n', end) ? 2 : 1));
      const event = this.#line(line);
      if (event) events.push(event);
    }
    return events;
  }

  // The stream ended: an event not closed by a blank line is still delivered
  // (some servers end without one).
  end() {
    const events = [];
    if (this.#buffer) {
      const event = this.#line(this.#buffer);
      this.#buffer = '';
      if (event) events.push(event);
    }
    const last = this.#line('');
    if (last) events.push(last);
    return events;
  }

  #line(line) {
    if (line === '') {
      if (this.#data.length === 0) { this.#event = ''; return null; }
      const event = { event: this.#event || 'message', data: this.#data.join('\n') };
      this.#data = [];
      this.#event = '';
      return event;
    }
    if (line.startsWith(':')) return null;  // a comment (keep-alive)
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.#data.push(value);
    else if (field === 'event') this.#event = value;
    return null;
  }
}
