export { createRouter, type Router, type RouterOptions } from './router.js';
export { type RouteTable, type VersionRoute, type Stickiness, type HeaderRoute } from './route-table.js';
export { stickyBucket, WEIGHT_TOTAL } from './bucket.js';
export {
  diffStats,
  histogramQuantile,
  DEFAULT_LATENCY_BUCKETS,
  type RouterStats,
  type VersionStats,
  type LatencyHistogram,
  type StatusClass,
  type StatsWindow,
  type VersionWindow,
} from './metrics.js';
export { formatPrometheus } from './prometheus.js';
export type { RouterProblemCode } from './problem.js';
