import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * What a browser application gets when it bundles the package (built by `npx tsc -b packages/sdk-web`):
 * the main entry pulls in no OpenFeature code and no Node built-ins, and stays small.
 */
async function bundle(specifier: string) {
  const result = await build({
    stdin: { contents: `export * from '${specifier}';`, resolveDir: fileURLToPath(new URL('.', import.meta.url)), loader: 'js' },
    bundle: true, format: 'esm', platform: 'browser', target: 'es2022', minify: true, write: false, metafile: true, logLevel: 'silent',
  });
  return { inputs: Object.keys(result.metafile.inputs), bytes: result.outputFiles[0]!.contents.byteLength };
}

describe('bundles', () => {
  it('the main entry has no dependency and no Node API', async () => {
    const { inputs, bytes } = await bundle('@gantry/sdk-web');
    expect(inputs.filter((p) => !p.includes('sdk-web/dist/'))).toEqual(['<stdin>']);
    expect(bytes).toBeLessThan(16_000);
  });

  it('the OpenFeature entry adds only the OpenFeature web SDK', async () => {
    const { inputs } = await bundle('@gantry/sdk-web/openfeature');
    const packages = new Set(inputs.filter((p) => p.includes('node_modules/')).map((p) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(p)![1]));
    expect([...packages].sort()).toEqual(['@openfeature/core', '@openfeature/web-sdk']);
  });
});
