/** One dispatched Server-Sent Event. */
export interface SseEvent {
  event: string;
  data: string;
  /** The last event id seen on this stream (it carries over, as the standard says). */
  id: string | undefined;
}

/** What the parser reports besides events. */
export interface SseHandlers {
  event(event: SseEvent): void;
  retry?(ms: number): void;
  comment?(text: string): void;
}

/**
 * An incremental parser of the `text/event-stream` format (WHATWG HTML, "Server-sent events"):
 * feed it decoded text in chunks of any size; it calls back per event, `retry` field and comment.
 * Lines end in CRLF, LF or CR; `data` lines are joined with LF; a block without data is not
 * dispatched; ids containing NUL are ignored.
 */
export class SseParser {
  #buffer = '';
  #started = false;
  #event = '';
  #data: string[] = [];
  #id: string | undefined;
  #pendingCr = false;

  constructor(private readonly handlers: SseHandlers) {}

  get lastEventId(): string | undefined {
    return this.#id;
  }

  feed(text: string): void {
    let chunk = text;
    if (!this.#started && chunk.length > 0) {
      this.#started = true;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    if (this.#pendingCr && chunk.startsWith('\n')) chunk = chunk.slice(1);
    this.#pendingCr = false;
    this.#buffer += chunk;
    let start = 0;
    for (;;) {
      const lf = this.#buffer.indexOf('\n', start);
      const cr = this.#buffer.indexOf('\r', start);
      if (lf < 0 && cr < 0) break;
      const end = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
      const line = this.#buffer.slice(start, end);
      if (this.#buffer[end] === '\r') {
        if (end + 1 === this.#buffer.length) {
          // A CR at the end of the chunk: the LF of a CRLF may be in the next one.
          this.#pendingCr = true;
          start = end + 1;
          this.#line(line);
          break;
        }
        start = this.#buffer[end + 1] === '\n' ? end + 2 : end + 1;
      } else {
        start = end + 1;
      }
      this.#line(line);
    }
    this.#buffer = this.#buffer.slice(start);
  }

  #line(line: string): void {
    if (line === '') {
      this.#dispatch();
      return;
    }
    if (line.startsWith(':')) {
      this.handlers.comment?.(line.slice(1).trimStart());
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.#event = value;
        break;
      case 'data':
        this.#data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.#id = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.handlers.retry?.(Number(value));
        break;
      default:
        // unknown fields are ignored
    }
  }

  #dispatch(): void {
    const event = this.#event || 'message';
    const data = this.#data;
    this.#event = '';
    this.#data = [];
    if (data.length === 0) return;
    this.handlers.event({ event, data: data.join('\n'), id: this.#id });
  }
}
