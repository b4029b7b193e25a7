/** The one module that reads environment variables (an eslint rule forbids process.env elsewhere). */

export interface CliEnvironment {
  /** GANTRY_URL: the server the API verbs talk to. */
  url: string | undefined;
  /** GANTRY_TOKEN: the bearer token the API verbs send. */
  token: string | undefined;
}

export function readCliEnvironment(): CliEnvironment {
  return {
    url: nonEmpty(process.env.GANTRY_URL),
    token: nonEmpty(process.env.GANTRY_TOKEN),
  };
}

/**
 * `gantry serve` hands the whole environment to the server's own config loader, which reads
 * GANTRY_HOST, GANTRY_PORT, GANTRY_DATA_DIR, DATABASE_URL, GANTRY_ADMIN_TOKEN, GANTRY_LOG_LEVEL,
 * GANTRY_OFREP_RATE_LIMIT and GANTRY_PUBLIC_URL.
 */
export function serverEnvironment(): NodeJS.ProcessEnv {
  return process.env;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
