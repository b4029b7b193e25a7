import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as main from './index.js';
import * as openfeature from './openfeature.js';
import { OPTION_NAMES } from './options.js';

// docs/sdk-node.md and the JSDoc are what users read: they must not drift from the code.
const doc = readFileSync(new URL('../../../docs/sdk-node.md', import.meta.url), 'utf8');
const source = (file: string) => readFileSync(new URL(file, import.meta.url), 'utf8');
const sources = (dir = '.'): string[] =>
  readdirSync(new URL(`${dir}/`, import.meta.url), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });

/** The JSDoc block right before a declaration, or undefined. */
function jsdocBefore(text: string, declaration: RegExp): string | undefined {
  const match = declaration.exec(text);
  if (!match) return undefined;
  const before = text.slice(0, match.index).trimEnd();
  if (!before.endsWith('*/')) return '';
  return before.slice(before.lastIndexOf('/**'));
}

describe('docs/sdk-node.md', () => {
  it('has a row in the options table for every option', () => {
    for (const name of OPTION_NAMES) expect(doc, name).toMatch(new RegExp(`^\\| \`${name}\` \\|`, 'm'));
    const rows = [...doc.matchAll(/^\| `(\w+)` \| [^|]+ \| /gm)].map((m) => m[1]);
    expect(rows.filter((r) => /^[a-z]/.test(r!) && !OPTION_NAMES.includes(r as never) && !['ready', 'change', 'status', 'error', 'initializing', 'stale', 'failed', 'closed'].includes(r!))).toEqual([]);
  });

  it('names every runtime export, every error code and every client method', () => {
    for (const name of [...Object.keys(main), ...Object.keys(openfeature)]) expect(doc, name).toContain(name);
    for (const code of ['unauthorized', 'timeout', 'network', 'http', 'snapshot', 'bootstrap', 'events', 'closed']) expect(doc).toContain(`\`${code}\``);
    const methods = Object.getOwnPropertyNames(main.GantryClient.prototype).filter((m) => m !== 'constructor');
    for (const method of methods) expect(doc, method).toMatch(new RegExp(`\\b${method}\\b`));
  });
});

describe('the public API', () => {
  it('has JSDoc with an @example on every export and every public client method', () => {
    const all = sources().map((file) => ({ file, text: source(file) }));
    const exported = [...source('./index.ts').matchAll(/export (?:type )?\{([^}]+)\} from '\.\/[^']+'/g)]
      .flatMap((m) => m[1]!.split(',').map((n) => n.trim()).filter(Boolean));
    exported.push('GantryProvider');
    for (const name of exported) {
      const declaration = new RegExp(`^export (?:declare )?(?:class|function|interface|type|const) ${name}\\b`, 'm');
      const home = all.find((f) => declaration.test(f.text));
      expect(home, `declaration of ${name}`).toBeDefined();
      expect(jsdocBefore(home!.text, declaration), `${name} in ${home!.file}`).toContain('@example');
    }
    const client = source('./client.ts');
    for (const method of Object.getOwnPropertyNames(main.GantryClient.prototype).filter((m) => m !== 'constructor')) {
      expect(jsdocBefore(client, new RegExp(`^  (?:get )?${method}[<(]`, 'm')), `GantryClient.${method}`).toContain('@example');
    }
  });

  it('keeps OpenFeature out of the main entry point', () => {
    for (const file of sources().filter((f) => !f.includes('openfeature'))) expect(source(file), file).not.toContain('@openfeature');
  });
});
