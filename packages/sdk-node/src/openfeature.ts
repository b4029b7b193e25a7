/**
 * @gantry/sdk-node/openfeature — the OpenFeature server provider. Needs `@openfeature/server-sdk`
 * (an optional peer dependency); the main entry point does not.
 */
export { GantryProvider } from './openfeature/provider.js';
