import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** docs/sdk-web.md and the JSDoc of public exports must stay in step with the code. */
const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');
const doc = read('../../../docs/sdk-web.md');
const types = read('./types.ts');
const client = read('./client.ts');

const block = (source: string, start: string) => {
  const from = source.indexOf(start);
  return source.slice(from, source.indexOf('\n}', from));
};
const union = (source: string, name: string) =>
  [...block(source, `export type ${name} =`).split(';')[0]!.matchAll(/'([A-Z_a-z]+)'/g)].map((m) => m[1]!);

describe('docs/sdk-web.md', () => {
  it('documents every client option, and no other', () => {
    const options = [...block(types, 'export interface GantryWebClientOptions').matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1]);
    const section = doc.slice(doc.indexOf('## Options'), doc.indexOf('## Reading flags'));
    const rows = [...section.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]);
    expect(rows.sort()).toEqual(options.sort());
  });

  it('states the defaults the code uses', () => {
    const constant = (name: string) => Number(new RegExp(`const ${name} = ([\\d_]+);`).exec(client)![1]!.replaceAll('_', ''));
    const row = (option: string) => new RegExp(`^\\| \`${option}\` \\| ([^|]+) \\|`, 'm').exec(doc)![1]!.trim();
    expect(row('pollIntervalMs')).toBe(`\`${constant('DEFAULT_POLL_MS')}\``);
    expect(row('timeoutMs')).toBe(`\`${constant('DEFAULT_TIMEOUT_MS')}\``);
    expect(doc).toContain(`at least ${constant('MIN_POLL_MS')}`);
    expect(client).toContain("options.storageKey ?? 'gantry'");
    expect(row('storageKey')).toBe('`gantry`');
  });

  it('lists every error code and status', () => {
    for (const code of union(types, 'FlagErrorCode')) expect(doc, code).toContain(`\`${code}\``);
    for (const status of union(types, 'ClientStatus')) expect(doc, status).toMatch(new RegExp(`^\\| \`${status}\` \\|`, 'm'));
    const errorCodes = [...(/readonly code: ([^,]+),/.exec(types)![1]!).matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]!);
    expect(errorCodes.length).toBeGreaterThan(5);
    for (const code of errorCodes) expect(doc, code).toContain(`\`${code}\``);
  });
});

describe('public exports', () => {
  it('carry JSDoc with an @example', () => {
    const entries = [['./index.ts', '.'], ['./openfeature/index.ts', './openfeature']] as const;
    const missing: string[] = [];
    for (const [entry, dir] of entries) {
      const source = read(entry);
      expect(source, entry).toContain('@example');
      for (const [, names, from] of source.matchAll(/export (?:type )?\{([^}]+)\} from '(\.[^']+)'/g)) {
        const file = read(`${dir}/${from!.replace(/\.js$/, '.ts')}`.replace('/./', '/'));
        for (const name of names!.split(',').map((n) => n.trim()).filter(Boolean)) {
          const declaration = new RegExp(`(/\\*\\*(?:(?!\\*/)[\\s\\S])*\\*/)\\s*export (?:class|function|interface|type) ${name}\\b`).exec(file);
          if (!declaration) {
            // A re-export of @gantry/core's types, documented there.
            if (!new RegExp(`export type \\{[^}]*\\b${name}\\b[^}]*\\} from '@gantry/core'`).test(file)) missing.push(`${name} (no declaration found)`);
          } else if (!declaration[1]!.includes('@example')) missing.push(name);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
