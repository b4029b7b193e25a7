import { describe, expect, it } from 'vitest';
import { SseParser } from './sse.js';
import type { SseEvent } from './sse.js';

function parse(chunks: string[]) {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const retries: number[] = [];
  const parser = new SseParser({ event: (e) => events.push(e), comment: (c) => comments.push(c), retry: (r) => retries.push(r) });
  for (const chunk of chunks) parser.feed(chunk);
  return { events, comments, retries };
}

describe('SseParser', () => {
  it('reads what the Gantry server sends: retry, snapshot and patch frames, heartbeats', () => {
    const { events, comments, retries } = parse([
      'retry: 1000\n\n',
      'event: snapshot\nid: 3\ndata: {"revision":3}\n\n',
      ': heartbeat\n\n',
      'event: patch\nid: 4\ndata: {"revision":4,"baseRevision":3}\n\n',
    ]);
    expect(retries).toEqual([1000]);
    expect(comments).toEqual(['heartbeat']);
    expect(events).toEqual([
      { event: 'snapshot', data: '{"revision":3}', id: '3' },
      { event: 'patch', data: '{"revision":4,"baseRevision":3}', id: '4' },
    ]);
  });

  it('reassembles frames split anywhere, including inside a CRLF', () => {
    const text = 'event: snapshot\r\nid: 7\r\ndata: {"a":\r\ndata: 1}\r\n\r\nevent: patch\rdata: x\r\r';
    for (let size = 1; size <= text.length; size++) {
      const chunks: string[] = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
      expect(parse(chunks).events, `chunks of ${size}`).toEqual([
        { event: 'snapshot', data: '{"a":\n1}', id: '7' },
        { event: 'patch', data: 'x', id: '7' },
      ]);
    }
  });

  it('follows the standard on defaults, empty blocks, BOM, odd fields and bad ids', () => {
    const { events, retries } = parse(['\uFEFFdata\n\n', 'event: x\n\n', 'data:no-space\nfoo: bar\nid: a\0b\nretry: soon\n\n', 'data: tail-without-blank-line']);
    expect(events).toEqual([
      { event: 'message', data: '', id: undefined },
      { event: 'message', data: 'no-space', id: undefined },
    ]);
    expect(retries).toEqual([]);
  });
});
