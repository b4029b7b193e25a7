export { probe, probeHttp, probeTcp, type ProbeResult, type ProbeTarget } from './probe.js';
export { HealthChecker, HEALTH_DEFAULTS, type HealthCheckSpec, type HealthCheckerOptions, type HealthStatus } from './checker.js';
