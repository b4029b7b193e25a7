/**
 * The one place of the agent package that reads `process.env` (see the eslint rule).
 */

/** Variables a version process inherits from the agent by default; nothing else leaks (e.g. no agent token). */
export const INHERITED_VARIABLES = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'] as const;

/** The base environment for version processes: only {@link INHERITED_VARIABLES}, taken from the agent's own. */
export function defaultChildEnvironment(source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED_VARIABLES) {
    const value = source[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/**
 * A variable of the agent's own environment that a version's run spec names in `secrets`: secrets
 * stay on the host instead of travelling through the server. The agent's own `GANTRY_*` settings
 * (its token among them) are never handed out.
 */
export function hostSecret(name: string, source: NodeJS.ProcessEnv = process.env): string | undefined {
  if (name.startsWith('GANTRY_')) return undefined;
  return source[name];
}
