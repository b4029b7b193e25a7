/**
 * Where the SDK writes what it has to say. Any object with some of these methods works
 * (`console`, pino, winston); missing methods are skipped.
 *
 * @example
 * createGantryClient({ url, token, logger: pino({ name: 'gantry' }) });
 */
export interface GantryLogger {
  debug?(message: string, ...details: unknown[]): void;
  info?(message: string, ...details: unknown[]): void;
  warn?(message: string, ...details: unknown[]): void;
  error?(message: string, ...details: unknown[]): void;
}

/**
 * Options of {@link createGantryClient}. Only `url` and `token` are needed; every other field has
 * a default that suits a production service. Times are in milliseconds.
 *
 * @example
 * const options: GantryClientOptions = {
 *   url: 'https://gantry.example.com',
 *   token: 'gnt_…', // an sdk-server:<environment> token
 *   timeoutMs: 3000,
 *   bootstrap: { file: '/var/cache/my-service/gantry-snapshot.json', persist: true },
 * };
 */
export interface GantryClientOptions {
  /** The Gantry server, e.g. `https://gantry.example.com` (a path prefix is kept). Required unless `offline`. */
  url?: string;
  /** An `sdk-server:<environment>` token; the environment comes from it. Required unless `offline`. */
  token?: string;
  /** Never contact a server: evaluate from `bootstrap` only, report nothing. Default `false`. */
  offline?: boolean;
  /** `ready()` settles within this time. Default 5000. */
  timeoutMs?: number;
  /** Receive changes over Server-Sent Events (`true`, default) or only poll (`false`). */
  streaming?: boolean;
  /** Polling period: always when `streaming` is false, otherwise only while the stream is down. Default 30000. */
  pollIntervalMs?: number;
  /** The server's heartbeat period; 2.5 times this without a byte means the stream is dead. Default 15000. */
  heartbeatIntervalMs?: number;
  /**
   * Reconnection backoff of the stream: the first retry waits about `initialDelayMs`, each failure
   * doubles it up to `maxDelayMs`, with jitter. The default maximum (1500) brings a client back
   * within 2 s of the server's return. Defaults 500 and 1500.
   */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  /** Timeout of one snapshot poll or event report. Default 10000. */
  requestTimeoutMs?: number;
  /**
   * A snapshot to start from, so the client can evaluate with no server: a JSON file (written
   * back with the server's latest valid snapshot when `persist` is true) or a snapshot value.
   */
  bootstrap?: { file: string; persist?: boolean } | { snapshot: unknown };
  /**
   * Reporting of evaluation counts and `track()` events to `POST /api/v1/sdk/events`, or `false`
   * to report nothing. Defaults: flush every 10000 ms, at most 1000 entries per request, at most
   * 10000 entries held (the oldest are dropped beyond that).
   */
  events?: false | { flushIntervalMs?: number; maxBatch?: number; maxBuffered?: number };
  /** Where to log. Default: warnings and errors to `console`. `false`: nothing. */
  logger?: GantryLogger | false;
  /** The `fetch` to use (a proxy-aware one, or a wrapper that observes requests). Default: the global `fetch`. */
  fetch?: typeof fetch;
}

/** Every option name, for the documentation check. */
export const OPTION_NAMES = [
  'url', 'token', 'offline', 'timeoutMs', 'streaming', 'pollIntervalMs', 'heartbeatIntervalMs', 'reconnect',
  'requestTimeoutMs', 'bootstrap', 'events', 'logger', 'fetch',
] as const satisfies readonly (keyof GantryClientOptions)[];

export interface ResolvedOptions {
  baseUrl: string;
  token: string;
  offline: boolean;
  timeoutMs: number;
  streaming: boolean;
  pollIntervalMs: number;
  heartbeatIntervalMs: number;
  initialDelayMs: number;
  maxDelayMs: number;
  requestTimeoutMs: number;
  bootstrap: GantryClientOptions['bootstrap'];
  events: false | { flushIntervalMs: number; maxBatch: number; maxBuffered: number };
  logger: Required<GantryLogger>;
  fetch: typeof fetch;
}

/** The server accepts at most this many evaluation counts, and as many events, per request. */
export const SERVER_MAX_BATCH = 5000;

const noop = () => {};
const consoleLogger: Required<GantryLogger> = {
  debug: noop,
  info: noop,
  warn: (message, ...details) => console.warn(`[gantry] ${message}`, ...details),
  error: (message, ...details) => console.error(`[gantry] ${message}`, ...details),
};

function wrapLogger(logger: GantryLogger | false | undefined): Required<GantryLogger> {
  if (logger === undefined) return consoleLogger;
  if (logger === false) return { debug: noop, info: noop, warn: noop, error: noop };
  const method = (name: keyof GantryLogger) => (message: string, ...details: unknown[]) => {
    try {
      logger[name]?.call(logger, message, ...details);
    } catch {
      // a logger that throws must not break the SDK
    }
  };
  return { debug: method('debug'), info: method('info'), warn: method('warn'), error: method('error') };
}

function duration(name: string, value: number | undefined, fallback: number, minimum = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < minimum) {
    throw new TypeError(`Gantry option ${name} must be a number of milliseconds ≥ ${minimum}, got ${String(value)}`);
  }
  return value;
}

/** Checks the options and fills in defaults. Throws a `TypeError` for options that cannot work. */
export function resolveOptions(options: GantryClientOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('createGantryClient needs an options object');
  const offline = options.offline === true;
  if (!offline && (typeof options.url !== 'string' || !/^https?:\/\//.test(options.url))) {
    throw new TypeError('Gantry option url must be an http(s) URL (or set offline: true)');
  }
  if (!offline && (typeof options.token !== 'string' || options.token.length === 0)) {
    throw new TypeError('Gantry option token is required (an sdk-server:<environment> token), or set offline: true');
  }
  const bootstrap = options.bootstrap;
  if (bootstrap !== undefined && !(typeof bootstrap === 'object' && bootstrap !== null && ('file' in bootstrap ? typeof bootstrap.file === 'string' : 'snapshot' in bootstrap))) {
    throw new TypeError('Gantry option bootstrap must be { file: string, persist?: boolean } or { snapshot }');
  }
  const events = options.events === false ? false : {
    flushIntervalMs: duration('events.flushIntervalMs', options.events?.flushIntervalMs, 10_000, 10),
    maxBatch: Math.min(SERVER_MAX_BATCH, Math.floor(duration('events.maxBatch', options.events?.maxBatch, 1000))),
    maxBuffered: Math.floor(duration('events.maxBuffered', options.events?.maxBuffered, 10_000)),
  };
  const initialDelayMs = duration('reconnect.initialDelayMs', options.reconnect?.initialDelayMs, 500, 10);
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') throw new TypeError('Gantry needs fetch: Node 18 or later, or the fetch option');
  return {
    baseUrl: offline ? '' : (options.url as string).replace(/\/+$/, ''),
    token: options.token ?? '',
    offline,
    timeoutMs: duration('timeoutMs', options.timeoutMs, 5000, 0),
    streaming: options.streaming !== false,
    pollIntervalMs: duration('pollIntervalMs', options.pollIntervalMs, 30_000, 10),
    heartbeatIntervalMs: duration('heartbeatIntervalMs', options.heartbeatIntervalMs, 15_000, 10),
    initialDelayMs,
    maxDelayMs: Math.max(initialDelayMs, duration('reconnect.maxDelayMs', options.reconnect?.maxDelayMs, 1500, 10)),
    requestTimeoutMs: duration('requestTimeoutMs', options.requestTimeoutMs, 10_000),
    bootstrap,
    events,
    logger: wrapLogger(options.logger),
    fetch: fetchImpl,
  };
}
