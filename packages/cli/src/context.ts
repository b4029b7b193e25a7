import type { Command } from 'commander';
import { createClient, type Client } from './client.js';
import { readCliEnvironment } from './env.js';
import { UsageError } from './errors.js';

export const defaultUrl = 'http://127.0.0.1:4000';

/** What every API verb needs: where the server is, who is asking, and how to print. */
export interface Context {
  json: boolean;
  client: Client;
}

interface GlobalOptions {
  url?: string;
  token?: string;
  json?: boolean;
}

/** Flags win over GANTRY_URL / GANTRY_TOKEN, which win over the default URL. */
export function contextOf(command: Command): Context {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const env = readCliEnvironment();
  const url = globals.url ?? env.url ?? defaultUrl;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`the Gantry URL "${url}" is not a URL; use e.g. ${defaultUrl}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`the Gantry URL must start with http:// or https://; got "${url}"`);
  }
  const token = globals.token ?? env.token;
  return { json: globals.json === true, client: createClient({ url, token }) };
}
