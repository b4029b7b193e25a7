/**
 * @gantry/sdk-web/openfeature — the OpenFeature web provider for Gantry. Needs the peer
 * dependencies `@openfeature/web-sdk` and `@openfeature/core`; the main entry does not.
 *
 * @example
 * import { OpenFeature } from '@openfeature/web-sdk';
 * import { GantryWebProvider } from '@gantry/sdk-web/openfeature';
 * await OpenFeature.setProviderAndWait(new GantryWebProvider({ url: 'https://gantry.example.com', token }), { targetingKey: 'user-123' });
 */
export { GantryWebProvider } from './provider.js';
export type { GantryWebProviderOptions } from './provider.js';
