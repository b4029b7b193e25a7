import type { ErrorCode as CoreErrorCode, EvaluationReason, ResultMetadata, VariationValue } from '@gantry/core';
import type { GantryError } from './errors.js';
import type { ReportingStats } from './events/reporter.js';
import type { SnapshotSource } from './snapshot-state.js';

/**
 * Why an evaluation served its default: core's codes, plus `PROVIDER_NOT_READY` (OpenFeature's
 * code) while the client has no snapshot at all.
 *
 * @example
 * if (details.errorCode === 'PROVIDER_NOT_READY') metrics.increment('flags.not_ready');
 */
export type ErrorCode = CoreErrorCode | 'PROVIDER_NOT_READY';

/**
 * The full outcome of one evaluation, the same shape as core's `EvaluationResult`: on success
 * the served `value`, its `variant` key and `variationIndex`; on error the caller's default with
 * reason `ERROR` and an `errorCode`. Results may be shared between calls: treat them as read-only.
 *
 * @example
 * const { value, variant, reason, errorCode } = client.booleanDetails('new-checkout', { targetingKey: 'user-123' }, false);
 */
export interface EvaluationDetails<T = VariationValue | undefined> {
  readonly value: T;
  readonly variant: string | undefined;
  readonly variationIndex: number | undefined;
  readonly reason: EvaluationReason;
  readonly errorCode: ErrorCode | undefined;
  readonly errorMessage: string | undefined;
  readonly metadata: ResultMetadata | undefined;
}

/**
 * Where the client stands:
 * `initializing` (no snapshot from the server yet), `ready` (in touch with the server, serving its
 * snapshot), `stale` (the server is away; serving the last known snapshot, or the bootstrap),
 * `failed` (the token was refused; serving what it had, trying no more), `closed`.
 *
 * @example
 * if (client.status === 'stale') res.setHeader('x-flags', 'stale');
 */
export type ClientStatus = 'initializing' | 'ready' | 'stale' | 'failed' | 'closed';

/**
 * What `ready()` resolves with and the `ready` event carries.
 *
 * @example
 * const { source, revision } = await client.ready(); // { source: 'server', revision: 42, environment: 'production' }
 */
export interface ReadyInfo {
  /** `server` once the server's snapshot arrived; `bootstrap` when starting from it with the server away. */
  readonly source: SnapshotSource;
  readonly revision: number;
  readonly environment: string;
}

/**
 * A new snapshot changed what some features may serve.
 *
 * @example
 * client.on('change', ({ keys, revision }) => console.log(`revision ${revision}: ${keys.join(', ')}`));
 */
export interface ChangeEvent {
  /** Features whose evaluation may differ: changed themselves, or using a changed segment or a changed prerequisite. Sorted. */
  readonly keys: readonly string[];
  readonly revision: number;
  readonly environment: string;
}

/**
 * The client's status changed.
 *
 * @example
 * client.on('status', ({ status, previous }) => log.info(`gantry ${previous} → ${status}`));
 */
export interface StatusEvent {
  readonly status: ClientStatus;
  readonly previous: ClientStatus;
  /** What caused a move to `stale` or `failed`. */
  readonly error?: GantryError;
}

/**
 * The events of a client and what each listener receives.
 *
 * @example
 * client.on('error', (error) => log.warn(error.code, error.message));
 */
export interface GantryClientEvents {
  ready: ReadyInfo;
  change: ChangeEvent;
  error: GantryError;
  status: StatusEvent;
}

/**
 * `client.stats()`: reporting counters plus how the client kept in step with the server.
 *
 * @example
 * const { snapshotsApplied, patchesApplied, streamConnections, evaluationsSent } = client.stats();
 */
export interface ClientStats extends ReportingStats {
  /** Full snapshots served (from the stream, polls or the bootstrap). */
  snapshotsApplied: number;
  /** Stream patches applied. */
  patchesApplied: number;
  /** Snapshots or patches rejected as malformed (the previous snapshot was kept). */
  snapshotsRejected: number;
  /** Times the stream was opened (1 + reconnections). */
  streamConnections: number;
}
