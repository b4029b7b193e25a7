import { BUCKET_SCALE, bucketPrefix, bucketingText, bucketWithPrefix } from '../hashing/bucket.js';
import type { Murmur3State } from '../hashing/murmur3.js';
import type { EvaluationContext } from '../model/context.js';
import type { EvaluationResult } from '../model/result.js';
import type { Serve } from '../model/targeting.js';
import { needsOwnCheck, readAttribute } from './context-values.js';
import { errorTemplate } from './results.js';

/**
 * What a rule or the fallthrough serves, prepared: either one fixed result, or a rollout with
 * cumulative bucket limits and one result per slice.
 */
export class CompiledServe {
  constructor(
    readonly fixed: EvaluationResult | undefined,
    readonly bucketBy: string,
    readonly ownOnly: boolean,
    readonly prefix: Murmur3State | undefined,
    readonly limits: readonly number[],
    readonly results: readonly EvaluationResult[],
    readonly missingKey: EvaluationResult | undefined,
  ) {}
}

/** How to build the results a serve can give. */
export interface ServeCompilation {
  readonly featureKey: string;
  readonly salt: string;
  /** Where this serve sits, for messages: `rule 2`, `the fallthrough`. */
  readonly place: string;
  /** The result for a fixed variation. */
  fixed(variation: number): EvaluationResult;
  /** The result for a variation chosen by the rollout. */
  split(variation: number): EvaluationResult;
}

/**
 * Compiles a validated serve. A rollout in which one variation holds all 100,000 units needs no
 * bucket, so it is served without reading the bucketing attribute (reason `SPLIT` all the same).
 */
export function compileServe(serve: Serve, how: ServeCompilation): CompiledServe {
  if ('variation' in serve) return new CompiledServe(how.fixed(serve.variation), '', false, undefined, [], [], undefined);
  const slices = serve.rollout.variations.filter((slice) => slice.weight > 0);
  const bucketBy = serve.rollout.bucketBy ?? 'targetingKey';
  if (slices.length === 1) return new CompiledServe(how.split(slices[0]!.variation), bucketBy, false, undefined, [], [], undefined);
  const limits: number[] = [];
  let total = 0;
  for (const slice of slices) {
    total += slice.weight;
    limits.push(total);
  }
  limits[limits.length - 1] = BUCKET_SCALE;
  const missingKey = errorTemplate(
    'TARGETING_KEY_MISSING',
    `feature ${JSON.stringify(how.featureKey)} buckets ${how.place} by the context attribute ${JSON.stringify(bucketBy)}, which is missing (or not a non-empty string or an integer)`,
  );
  return new CompiledServe(
    undefined, bucketBy, needsOwnCheck(bucketBy), bucketPrefix(how.featureKey, how.salt), limits,
    slices.map((slice) => how.split(slice.variation)), missingKey,
  );
}

/** The result a serve gives for a context; an error template when the bucketing attribute is missing. */
export function serveFor(serve: CompiledServe, context: EvaluationContext): EvaluationResult {
  if (serve.fixed !== undefined) return serve.fixed;
  const text = bucketingText(readAttribute(context, serve.bucketBy, serve.ownOnly));
  if (text === undefined) return serve.missingKey!;
  const bucket = bucketWithPrefix(serve.prefix!, text);
  const limits = serve.limits;
  let i = 0;
  while (bucket >= limits[i]!) i++;
  return serve.results[i]!;
}
