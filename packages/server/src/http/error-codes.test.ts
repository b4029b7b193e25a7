import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { errorCodes } from './errors.js';

const srcDir = fileURLToPath(new URL('..', import.meta.url));
const docs = fileURLToPath(new URL('../../../../docs/errors.md', import.meta.url));

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = await Promise.all(entries.map((e) => (e.isDirectory() ? sources(join(dir, e.name)) : [join(dir, e.name)])));
  return files.flat().filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
}

describe('error codes', () => {
  it('every code thrown in the server is in the registry', async () => {
    const thrown = new Set<string>();
    for (const file of await sources(srcDir)) {
      const text = await readFile(file, 'utf8');
      for (const m of text.matchAll(/new (?:AppError\(\d{3}, |ConflictError\(|ForbiddenError\([^;]*?, )'([a-z_]+)'/g)) thrown.add(m[1]!);
      for (const m of text.matchAll(/new NotFoundError\('([a-z_]+)'/g)) thrown.add(`${m[1]}_not_found`);
      for (const m of text.matchAll(/problem\((\d{3}), '([a-z_]+)'/g)) thrown.add(m[2]!);
    }
    expect(thrown.size).toBeGreaterThan(15);
    for (const code of thrown) expect(Object.keys(errorCodes), code).toContain(code);
  });

  it('docs/errors.md documents every code with its status and fix', async () => {
    const text = await readFile(docs, 'utf8');
    for (const [code, [status, fix]] of Object.entries(errorCodes)) {
      expect(text, code).toContain(`| \`${code}\` | ${status} | ${fix.replace(/\|/g, '\\|')} |`);
    }
    const documented = [...text.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(errorCodes).sort());
  });
});
