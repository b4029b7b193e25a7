/** The one place that reads the environment (STYLE.md: environment variables are read in one module). */
export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  adminToken: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Origins allowed to call OFREP and the browser SDK routes; `*` by default. */
  corsOrigins: string[] | '*';
  /** OFREP requests allowed per second per SDK token and client address; 0: no limit. */
  ofrepRateLimit: number;
  /** Where clients reach this server, when that is not what they call OFREP at (a proxy's path prefix). */
  publicUrl: string | undefined;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Flags win over environment variables, which win over defaults. */
export function loadServerConfig(flags: Partial<Record<keyof ServerConfig, string | number | undefined>>, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const origins = (flags.corsOrigins !== undefined ? String(flags.corsOrigins) : env.GANTRY_CORS_ORIGINS) ?? '*';
  const corsOrigins = origins.trim() === '*' ? '*' as const : origins.split(',').map((o) => o.trim()).filter(Boolean);
  if (corsOrigins !== '*') {
    for (const o of corsOrigins) if (!/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(o)) throw new ConfigError(`CORS origins must be like https://app.example.com (scheme, host, optional port); got "${o}"`);
  }
  const pick = (flag: string | number | undefined, name: string) => (flag !== undefined ? String(flag) : env[name]);
  const host = pick(flags.host, 'GANTRY_HOST') ?? '127.0.0.1';
  const portText = pick(flags.port, 'GANTRY_PORT') ?? '4000';
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port > 65535) throw new ConfigError(`port must be a number from 0 to 65535; got "${portText}"`);
  if (!/^[A-Za-z0-9.:[\]-]{1,255}$/.test(host)) throw new ConfigError(`host must be a hostname or IP address; got "${host}"`);
  const databaseUrl = pick(flags.databaseUrl, 'DATABASE_URL') || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('the database URL must start with postgres:// or postgresql://');
  }
  const adminToken = pick(flags.adminToken, 'GANTRY_ADMIN_TOKEN') || undefined;
  if (adminToken !== undefined && (adminToken.length < 16 || /\s/.test(adminToken))) {
    throw new ConfigError('GANTRY_ADMIN_TOKEN must be at least 16 characters with no spaces');
  }
  const logLevel = (pick(flags.logLevel, 'GANTRY_LOG_LEVEL') ?? 'info') as ServerConfig['logLevel'];
  if (!logLevels.includes(logLevel)) throw new ConfigError(`log level must be one of ${logLevels.join(', ')}; got "${logLevel}"`);
  const dataDir = pick(flags.dataDir, 'GANTRY_DATA_DIR') ?? '.gantry';
  const limitText = (pick(flags.ofrepRateLimit, 'GANTRY_OFREP_RATE_LIMIT') ?? '0').trim();
  const ofrepRateLimit = Number(limitText);
  if (!/^\d{1,7}$/.test(limitText)) throw new ConfigError(`the OFREP rate limit must be a whole number of requests per second (0 for none); got "${limitText}"`);
  const publicUrl = parsePublicUrl(pick(flags.publicUrl, 'GANTRY_PUBLIC_URL') || undefined);
  return { host, port, dataDir, databaseUrl, adminToken, logLevel, corsOrigins, ofrepRateLimit, publicUrl };
}

function parsePublicUrl(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`the public URL must be an absolute http(s) URL like https://flags.example.com/gantry; got "${text}"`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username || url.password) {
    throw new ConfigError(`the public URL must be an http(s) URL with no query, fragment or credentials; got "${text}"`);
  }
  return url.href.replace(/\/+$/, '');
}

/** What commands run by the server (scripts, acceptance checks) inherit: enough to find programs, no secrets. */
export function scriptBaseEnvironment(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR']) if (env[name]) out[name] = env[name]!;
  out.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  return out;
}
