import { describe, expect, it } from 'vitest';
import { ResponseParser, UpstreamProtocolError, type ResponseHead } from './http1-response.js';

function parse(raw: string | Buffer, { head = false, split = 0, eof = false } = {}) {
  const heads: ResponseHead[] = [];
  const body: Buffer[] = [];
  let done = 0;
  const parser = new ResponseParser({ head: (h) => heads.push(h), body: (c) => body.push(Buffer.from(c)), done: () => done++ }, head);
  const bytes = Buffer.isBuffer(raw) ? raw : Buffer.from(raw, 'latin1');
  const step = split || bytes.length;
  for (let at = 0; at < bytes.length; at += step) parser.execute(bytes.subarray(at, at + step));
  if (eof) parser.end();
  return { heads, body: Buffer.concat(body).toString('latin1'), done, parser };
}

describe('HTTP/1.1 response parser', () => {
  it('reads a Content-Length body, whole or one byte at a time', () => {
    const raw = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\nX-A: 2\r\n\r\nhello';
    for (const split of [0, 1, 3]) {
      const r = parse(raw, { split });
      expect(r.heads).toEqual([{ status: 200, reason: 'OK', rawHeaders: ['Content-Length', '5', 'X-A', '1', 'X-A', '2'], keepAlive: true, keepAliveHintMs: undefined }]);
      expect(r.body).toBe('hello');
      expect(r.done).toBe(1);
      expect(r.parser.keepAlive).toBe(true);
    }
  });

  it('decodes chunked bodies with extensions and trailers', () => {
    const raw = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n';
    for (const split of [0, 1, 2, 7]) {
      const r = parse(raw, { split });
      expect(r.body).toBe('hello, world');
      expect(r.done).toBe(1);
    }
  });

  it('skips interim responses and knows bodiless ones', () => {
    expect(parse('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok').heads.map((h) => h.status)).toEqual([201]);
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n', { head: true })).toMatchObject({ done: 1, body: '' });
    expect(parse('HTTP/1.1 204 No Content\r\n\r\n')).toMatchObject({ done: 1 });
    expect(parse('HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n')).toMatchObject({ done: 1 });
  });

  it('reads a close-delimited body to the end of the connection, which is then not reusable', () => {
    const r = parse('HTTP/1.1 200 OK\r\n\r\nuntil the end', { eof: true });
    expect(r).toMatchObject({ body: 'until the end', done: 1 });
    expect(r.parser.keepAlive).toBe(false);
  });

  it('honours Connection: close, HTTP/1.0 and the Keep-Alive timeout hint', () => {
    expect(parse('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n').heads[0]?.keepAlive).toBe(false);
    expect(parse('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').heads[0]?.keepAlive).toBe(false);
    expect(parse('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n').heads[0]?.keepAlive).toBe(true);
    expect(parse('HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5\r\nContent-Length: 0\r\n\r\n').heads[0]?.keepAliveHintMs).toBe(5000);
  });

  it('treats extra bytes after a response as a broken connection', () => {
    const r = parse('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA');
    expect(r.done).toBe(1);
    expect(r.parser.keepAlive).toBe(false);
  });

  it.each([
    ['bad status line', 'HTTP/2 200 OK\r\n\r\n'],
    ['conflicting lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'],
    ['bad length', 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'],
    ['obs-fold', 'HTTP/1.1 200 OK\r\nX-A: 1\r\n continued\r\n\r\n'],
    ['space before colon', 'HTTP/1.1 200 OK\r\nX-A : 1\r\n\r\n'],
    ['bad chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
    ['chunk without CRLF', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokXX'],
    ['101 to a plain request', 'HTTP/1.1 101 Switching Protocols\r\n\r\n'],
  ])('rejects %s', (_name, raw) => {
    expect(() => parse(raw)).toThrow(UpstreamProtocolError);
  });

  it('rejects an oversized head and a cut-short body', () => {
    expect(() => parse('HTTP/1.1 200 OK\r\nX: ' + 'a'.repeat(70 * 1024))).toThrow(/too large/);
    expect(() => parse('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort', { eof: true })).toThrow(/cut short/);
    expect(() => parse('', { eof: true })).toThrow(/before a response/);
  });

  it('lets Transfer-Encoding win over Content-Length and closes afterwards', () => {
    const r = parse('HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n');
    expect(r).toMatchObject({ body: 'ok', done: 1 });
    expect(r.heads[0]?.keepAlive).toBe(false);
  });
});
