/** One Server-Sent Event. */
export interface SseEvent {
  readonly event: string;
  readonly data: string;
  readonly id: string | undefined;
}

/**
 * An incremental Server-Sent Events parser (the WHATWG event-stream format): feed it decoded text
 * as it arrives, in chunks of any size; it returns the complete events. Comments (heartbeats) and
 * `retry:` are noted but are not events.
 */
export class SseParser {
  #buffer = '';
  #afterCr = false;
  #event = '';
  #data: string[] = [];
  #id: string | undefined;
  /** The last `retry:` the server asked for, in ms. */
  retryMs: number | undefined;

  push(chunk: string): SseEvent[] {
    // A \r that ended the previous chunk already ended its line; a \n right after it belongs to it.
    if (this.#afterCr && chunk.startsWith('\n')) chunk = chunk.slice(1);
    this.#afterCr = false;
    this.#buffer += chunk;
    const events: SseEvent[] = [];
    for (;;) {
      const end = this.#buffer.search(/[\r\n]/);
      if (end < 0) break;
      const line = this.#buffer.slice(0, end);
      const crlf = this.#buffer.startsWith('\r\n', end);
      if (!crlf && this.#buffer[end] === '\r' && end === this.#buffer.length - 1) this.#afterCr = true;
      this.#buffer = this.#buffer.slice(end + (crlf ? 2 : 1));
      const event = this.#line(line);
      if (event) events.push(event);
    }
    return events;
  }

  #line(line: string): SseEvent | undefined {
    if (line === '') {
      const data = this.#data;
      const event = this.#event || 'message';
      this.#data = [];
      this.#event = '';
      return data.length > 0 ? { event, data: data.join('\n'), id: this.#id } : undefined;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.#data.push(value);
    else if (field === 'event') this.#event = value;
    else if (field === 'id' && !value.includes('\0')) this.#id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    return undefined;
  }
}
