import { closeSync, fstatSync, ftruncateSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** Longest line delivered whole; longer lines arrive in pieces of this many characters. */
export const MAX_LINE = 16 * 1024;

/**
 * Follows a log file that a process appends to (opened with O_APPEND) and hands out complete
 * lines. Once everything is read and the file passed `maxBytes`, it is truncated to zero; the
 * writer's next append lands at the new end. Bytes written between the last read and that
 * truncation are lost — a window of microseconds, once per `maxBytes`.
 */
export class LogTail {
  private fd: number | undefined;
  private offset = 0;
  private pending = '';
  private readonly decoder = new StringDecoder('utf8');
  private readonly buffer = Buffer.allocUnsafe(64 * 1024);

  constructor(
    path: string,
    private readonly onLine: (line: string) => void,
    private readonly maxBytes: number,
    fromEnd = false,
  ) {
    this.fd = openSync(path, 'r+');
    if (fromEnd) this.offset = fstatSync(this.fd).size;
  }

  /** Read what was appended since the last call and emit its complete lines. */
  poll(): void {
    const fd = this.fd;
    if (fd === undefined) return;
    const size = fstatSync(fd).size;
    if (size < this.offset) this.offset = 0;
    while (this.offset < size) {
      const n = readSync(fd, this.buffer, 0, Math.min(this.buffer.length, size - this.offset), this.offset);
      if (n <= 0) break;
      this.offset += n;
      this.push(this.decoder.write(this.buffer.subarray(0, n)));
    }
    if (this.offset >= this.maxBytes && fstatSync(fd).size === this.offset) {
      ftruncateSync(fd, 0);
      this.offset = 0;
    }
  }

  /** Read the rest and emit a last unterminated line, if any. */
  flush(): void {
    this.poll();
    const rest = this.pending + this.decoder.end();
    this.pending = '';
    if (rest) this.onLine(rest);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private push(text: string): void {
    let data = this.pending + text;
    let newline: number;
    while ((newline = data.indexOf('\n')) !== -1) {
      const line = data.slice(0, newline);
      data = data.slice(newline + 1);
      this.emit(line.endsWith('\r') ? line.slice(0, -1) : line);
    }
    while (data.length > MAX_LINE) {
      this.onLine(data.slice(0, MAX_LINE));
      data = data.slice(MAX_LINE);
    }
    this.pending = data;
  }

  private emit(line: string): void {
    for (let at = 0; at < line.length; at += MAX_LINE) this.onLine(line.slice(at, at + MAX_LINE));
    if (line.length === 0) this.onLine('');
  }
}
