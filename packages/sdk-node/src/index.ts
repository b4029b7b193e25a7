/**
 * @gantry/sdk-node — Gantry's server-side SDK: local evaluation from the environment's snapshot,
 * kept up to date over Server-Sent Events with polling as fallback, a bootstrap file for starting
 * without a server, and batched evaluation counts and events. The OpenFeature provider lives in
 * `@gantry/sdk-node/openfeature`, so this entry point needs no OpenFeature package.
 */
export { createGantryClient, GantryClient } from './client.js';
export { GantryError } from './errors.js';
export type { GantryErrorCode } from './errors.js';
export type { GantryClientOptions, GantryLogger } from './options.js';
export type { ReportingStats } from './events/reporter.js';
export type { SnapshotSource } from './snapshot-state.js';
export type {
  ChangeEvent, ClientStats, ClientStatus, ErrorCode, EvaluationDetails, GantryClientEvents, ReadyInfo, StatusEvent,
} from './types.js';
export type { EnvironmentSnapshot, EvaluationContext, JsonStructure, VariationValue } from '@gantry/core';
