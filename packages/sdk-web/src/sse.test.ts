import { describe, expect, it } from 'vitest';
import { SseParser } from './sse.js';

describe('SseParser', () => {
  it('reads events split across chunks at any point, with any line ending', () => {
    const text = 'retry: 1000\n\nevent: revision\nid: 7\ndata: {"revision":7}\n\n: heartbeat\n\nevent: revision\r\nid: 8\r\ndata: {"revision":8}\r\n\r\nevent: x\rdata: a\rdata: b\r\r';
    for (let size = 1; size <= text.length; size++) {
      const parser = new SseParser();
      const events = [];
      for (let i = 0; i < text.length; i += size) events.push(...parser.push(text.slice(i, i + size)));
      expect(events, `chunks of ${size}`).toEqual([
        { event: 'revision', data: '{"revision":7}', id: '7' },
        { event: 'revision', data: '{"revision":8}', id: '8' },
        { event: 'x', data: 'a\nb', id: '8' },
      ]);
      expect(parser.retryMs).toBe(1000);
    }
  });

  it('follows the format: default event name, optional space, fields without colon, ignored fields', () => {
    const parser = new SseParser();
    expect(parser.push('data:no-space\nunknown: x\ndata\n\nid\n\ndata: y\nretry: soon\n\n')).toEqual([
      { event: 'message', data: 'no-space\n', id: undefined },
      { event: 'message', data: 'y', id: '' },
    ]);
    expect(parser.retryMs).toBeUndefined();
  });
});
