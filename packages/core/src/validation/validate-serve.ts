import { BUCKET_SCALE } from '../hashing/bucket.js';
import { childPath, checkVariationIndex, describe, isRecord } from './problem.js';
import type { ProblemCollector } from './problem.js';

/** Checks what a rule or the fallthrough serves: `{ variation }` or `{ rollout }`. */
export function validateServe(serve: unknown, path: string, out: ProblemCollector, variationCount: number): void {
  if (!isRecord(serve)) {
    out.add(path, `must be an object with "variation" or "rollout", got ${describe(serve)}`);
    return;
  }
  const hasVariation = serve['variation'] !== undefined;
  const hasRollout = serve['rollout'] !== undefined;
  if (hasVariation === hasRollout) {
    out.add(path, 'must have exactly one of "variation" and "rollout"');
    return;
  }
  if (hasVariation) {
    checkVariationIndex(serve['variation'], childPath(path, 'variation'), out, variationCount);
    return;
  }
  const rollout = serve['rollout'];
  const rolloutPath = childPath(path, 'rollout');
  if (!isRecord(rollout)) {
    out.add(rolloutPath, `must be an object, got ${describe(rollout)}`);
    return;
  }
  const bucketBy = rollout['bucketBy'];
  if (bucketBy !== undefined && (typeof bucketBy !== 'string' || bucketBy.length === 0 || bucketBy.length > 256)) {
    out.add(childPath(rolloutPath, 'bucketBy'), `must be an attribute name when present, got ${describe(bucketBy)}`);
  }
  const slices = rollout['variations'];
  const slicesPath = childPath(rolloutPath, 'variations');
  if (!Array.isArray(slices) || slices.length === 0) {
    out.add(slicesPath, `must be a non-empty array of { variation, weight }, got ${describe(slices)}`);
    return;
  }
  let total = 0;
  let weightsOk = true;
  const seen = new Set<number>();
  slices.forEach((slice: unknown, index) => {
    const slicePath = childPath(slicesPath, index);
    if (!isRecord(slice)) {
      out.add(slicePath, `must be an object { variation, weight }, got ${describe(slice)}`);
      weightsOk = false;
      return;
    }
    const variation = slice['variation'];
    if (checkVariationIndex(variation, childPath(slicePath, 'variation'), out, variationCount)) {
      if (seen.has(variation)) out.add(childPath(slicePath, 'variation'), `variation ${variation} appears twice in the rollout`);
      seen.add(variation);
    }
    const weight = slice['weight'];
    if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0 || weight > BUCKET_SCALE) {
      out.add(childPath(slicePath, 'weight'), `must be an integer from 0 to ${BUCKET_SCALE}, got ${describe(weight)}`);
      weightsOk = false;
      return;
    }
    total += weight;
  });
  if (weightsOk && total !== BUCKET_SCALE) {
    out.add(slicesPath, `weights sum to ${total}, expected ${BUCKET_SCALE} (100 %)`);
  }
}
