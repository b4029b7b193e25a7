import { describe, expect, it } from 'vitest';
import { describeChange } from './commands/audit.js';
import { renderCell } from './commands/matrix.js';
import { details, relativeTime, shortDigest, table } from './output.js';

const now = Date.parse('2025-07-01T12:00:00Z');

describe('output for people', () => {
  it('aligns columns, including cells of several lines', () => {
    expect(table(['ID', 'NAME'], [[1, 'checkout-api'], [12, 'web\nsecond line']])).toBe(
      'ID  NAME\n1   checkout-api\n12  web\n    second line',
    );
    expect(table(['A', 'B'], [['x', 'y'], ['z', null]], { spaced: true })).toBe('A  B\nx  y\n\nz');
  });

  it('aligns key-value details and leaves out what is unknown', () => {
    expect(details([['state', 'running'], ['approved by', null], ['message', 'two\nlines']])).toBe('state    running\nmessage  two\n         lines');
  });

  it.each([
    ['2025-07-01T11:59:58Z', 'just now'],
    ['2025-07-01T12:00:03Z', 'in 3s'],
    ['2025-07-01T11:59:18Z', '42s ago'],
    ['2025-07-01T11:57:00Z', '3m ago'],
    ['2025-07-01T07:00:00Z', '5h ago'],
    ['2025-06-29T12:00:00Z', '2d ago'],
    ['2025-07-01T15:00:00Z', 'in 3h'],
    ['2024-01-01T00:00:00Z', '2024-01-01'],
  ])('says %s was %s', (iso, expected) => {
    expect(relativeTime(iso, now)).toBe(expected);
  });

  it('shortens digests', () => {
    expect(shortDigest(`sha256:${'ab'.repeat(32)}`)).toBe('sha256:abababababab…');
  });
});

describe('matrix cells', () => {
  it('show the running version, how far behind, when and by whom, and what is in flight', () => {
    expect(renderCell({
      environment: 'test', behindPrevious: 2,
      current: { version: '1.4.2', deploymentId: 3, at: '2025-07-01T11:57:00Z', by: 'token:ci' },
      latest: { version: '1.4.4', deploymentId: 9, state: 'running', at: '2025-07-01T11:59:00Z', by: 'token:ci' },
    }, now)).toBe('1.4.2 (2 behind)\n3m ago by token:ci\n→ 1.4.4 running (#9, 1m ago)');
    expect(renderCell({ environment: 'prod', behindPrevious: 0, current: null, latest: null }, now)).toBe('—');
  });
});

describe('audit changes', () => {
  it('lists changed fields with before and after, leaving out bookkeeping', () => {
    expect(describeChange({ state: 'pending', revision: 1, approvedBy: null }, { state: 'approved', revision: 2, approvedBy: 'token:rm' }))
      .toEqual(['state: "pending" → "approved"', 'approvedBy: none → "token:rm"']);
  });

  it('lists the fields of something created', () => {
    expect(describeChange(null, { name: 'web', id: 'x', description: '', tags: [] })).toEqual(['+ name: "web"', '+ description: ""']);
  });
});
