import type { EnvironmentSnapshot } from '@gantry/core';
import { describe, expect, it } from 'vitest';
import { SnapshotState } from './snapshot-state.js';

const flag = (key: string, on: boolean, extra: Record<string, unknown> = {}) => ({
  key, kind: 'release', type: 'boolean', salt: key,
  variations: [{ key: 'on', value: true }, { key: 'off', value: false }],
  on, offVariation: 1, fallthrough: { variation: 0 }, ...extra,
});

const snapshot = (revision: number, features: Record<string, unknown>, segments: Record<string, unknown> = {}) =>
  ({ environment: 'production', revision, features, segments }) as unknown as EnvironmentSnapshot;

describe('SnapshotState', () => {
  it('serves a valid snapshot and reports the features that changed, through segments and prerequisites', () => {
    const state = new SnapshotState();
    const staff = { key: 'staff', included: ['u1'] };
    const usesStaff = flag('uses-staff', true, { rules: [{ clauses: [{ operator: 'segmentMatch', values: ['staff'] }], serve: { variation: 0 } }] });
    const first = state.offer(snapshot(1, { a: flag('a', true), b: flag('b', true), 'uses-staff': usesStaff, needs: flag('needs', true, { prerequisites: [{ feature: 'uses-staff', variation: 0 }] }) }, { staff }), 'server');
    expect(first.kind).toBe('applied');
    expect(state.serverRevision).toBe(1);
    const second = state.offer(snapshot(2, { a: flag('a', false), b: flag('b', true), 'uses-staff': usesStaff, needs: flag('needs', true, { prerequisites: [{ feature: 'uses-staff', variation: 0 }] }) }, { staff: { ...staff, included: ['u2'] } }), 'server');
    expect(second).toMatchObject({ kind: 'applied', changed: ['a', 'needs', 'uses-staff'] });
    expect(state.compiled?.evaluateBoolean('a', {}, true).reason).toBe('DISABLED');
  });

  it('keeps the previous snapshot when the envelope of a new one is broken', () => {
    const state = new SnapshotState();
    state.offer(snapshot(1, { a: flag('a', true) }), 'server');
    for (const broken of [null, 'text', [], { environment: 'production', features: {}, segments: {} }, { environment: 'production', revision: 2, features: [], segments: {} }]) {
      expect(state.offer(broken, 'server').kind).toBe('rejected');
      expect(state.serverRevision).toBe(1);
      expect(state.compiled?.evaluateBoolean('a', {}, false).value).toBe(true);
    }
  });

  it('serves a snapshot whose problems sit inside single features: those answer PARSE_ERROR, the rest work', () => {
    const state = new SnapshotState();
    state.offer(snapshot(1, { a: flag('a', true) }), 'server');
    const outcome = state.offer(snapshot(2, { a: flag('a', false), b: flag('b', true, { rules: [{ clauses: [{ attribute: 'x', operator: 'fromTheFuture', values: [1] }], serve: { variation: 0 } }] }) }), 'server');
    expect(outcome.kind).toBe('degraded');
    expect(state.validSnapshot).toBeUndefined();
    expect(state.compiled?.evaluateBoolean('a', {}, true).reason).toBe('DISABLED');
    expect(state.compiled?.evaluateBoolean('b', {}, true)).toMatchObject({ value: true, errorCode: 'PARSE_ERROR' });
  });

  it('compiles a broken bootstrap as core does when there is nothing else to serve', () => {
    const state = new SnapshotState();
    expect(state.offer('not a snapshot', 'bootstrap').kind).toBe('degraded');
    expect(state.compiled?.evaluate('x', {}, 1).errorCode).toBe('FLAG_NOT_FOUND');
    expect(state.serverRevision).toBeUndefined();
  });

  it('applies patches on their base revision only, removing entries set to null', () => {
    const state = new SnapshotState();
    expect(state.applyPatch({ revision: 2, baseRevision: 1, features: {}, segments: {} }).kind).toBe('mismatch');
    state.offer(snapshot(1, { a: flag('a', true), b: flag('b', true) }), 'server');
    expect(state.applyPatch({ revision: 3, baseRevision: 2, features: {}, segments: {} }).kind).toBe('mismatch');
    expect(state.applyPatch({ revision: 'x' }).kind).toBe('rejected');
    const outcome = state.applyPatch({ environment: 'production', revision: 2, baseRevision: 1, features: { a: flag('a', false), b: null }, segments: {} });
    expect(outcome).toMatchObject({ kind: 'applied', changed: ['a', 'b'] });
    expect(state.serverRevision).toBe(2);
    expect(state.compiled?.keys()).toEqual(['a']);
  });

  it('never patches a bootstrap snapshot: the server must send a full one', () => {
    const state = new SnapshotState();
    state.offer(snapshot(5, { a: flag('a', true) }), 'bootstrap');
    expect(state.serverRevision).toBeUndefined();
    expect(state.applyPatch({ revision: 6, baseRevision: 5, features: {}, segments: {} }).kind).toBe('mismatch');
  });
});
