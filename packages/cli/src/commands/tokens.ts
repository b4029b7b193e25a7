import { scopeDescription, scopePattern } from '@gantry/server';
import { InvalidArgumentError, type Command } from 'commander';
import { path } from '../client.js';
import { contextOf } from '../context.js';
import { note, out, printJson, relativeTime, table } from '../output.js';
import { futureTime, uuid } from '../parse.js';
import type { Token } from '@gantry/server';

/** admin, ci, read, or an SDK scope bound to one environment: sdk-server:production, sdk-client:production. */
export function scope(value: string): string {
  if (!scopePattern.test(value)) throw new InvalidArgumentError(`Use ${scopeDescription}, e.g. sdk-client:production.`);
  return value;
}

function status(t: Token): string {
  if (t.revokedAt) return `revoked ${relativeTime(t.revokedAt)}`;
  if (t.expiresAt && new Date(t.expiresAt).getTime() <= Date.now()) return `expired ${relativeTime(t.expiresAt)}`;
  return t.expiresAt ? `expires ${relativeTime(t.expiresAt)}` : 'active';
}

export function registerTokens(program: Command): void {
  const token = program.command('token').description('API tokens: admin, ci (deploy and read), read, and SDK scopes per environment');

  token.command('create')
    .description('create a token; its secret is printed once, on stdout')
    .requiredOption('--scope <scope>', `what it may do: ${scopeDescription}`, scope)
    .requiredOption('--name <name>', 'who or what uses it, e.g. ci-main; it appears in the audit trail')
    .option('--expires <time>', 'when it stops working: ISO time, or a duration from now such as 90d', futureTime)
    .action(async (opts: { scope: string; name: string; expires?: string }, cmd: Command) => {
      const { client, json } = contextOf(cmd);
      const created = await client.post<{ token: Token; secret: string }>('/tokens', {
        name: opts.name, scope: opts.scope, ...(opts.expires !== undefined ? { expiresAt: opts.expires } : {}),
      });
      if (json) return printJson(created);
      note(`Created ${created.token.scope} token "${created.token.name}" (id ${created.token.id}, ${created.token.expiresAt ? `expires ${created.token.expiresAt}` : 'never expires'}).`);
      note('Its secret follows; it is shown only this once, so store it now:');
      out(created.secret);
    });

  token.command('list')
    .description('list tokens (never their secrets)')
    .action(async (_opts: unknown, cmd: Command) => {
      const { client, json } = contextOf(cmd);
      const list = await client.get<{ items: Token[] }>('/tokens');
      if (json) return printJson(list);
      out(table(['ID', 'NAME', 'SCOPE', 'PREFIX', 'STATUS', 'CREATED', 'LAST USED'], list.items.map((t) => [
        t.id, t.name, t.scope, `${t.prefix}…`, status(t), `${relativeTime(t.createdAt)} by ${t.createdBy}`, t.lastUsedAt ? relativeTime(t.lastUsedAt) : 'never',
      ])));
    });

  token.command('revoke')
    .description('revoke a token at once')
    .argument('<id>', 'the token\'s id, from gantry token list', uuid)
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const { client, json } = contextOf(cmd);
      const revoked = await client.delete<Token>(path('tokens', id));
      if (json) return printJson(revoked);
      out(`Revoked token "${revoked.name}" (${revoked.scope}).`);
    });
}
