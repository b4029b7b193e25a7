/**
 * @gantry/sdk-web — Gantry's browser SDK. Evaluates every flag for one context through the
 * server's OFREP bulk endpoint, caches the answer in `localStorage`, refreshes it by polling (and on
 * tab focus, coming back online, and server change streams when offered), and answers getters
 * synchronously. No dependencies; the OpenFeature web provider lives at `@gantry/sdk-web/openfeature`.
 *
 * @example
 * import { createGantryWebClient } from '@gantry/sdk-web';
 * const client = createGantryWebClient({ url: 'https://gantry.example.com', token, context: { targetingKey: 'user-123' } });
 * await client.ready();
 * client.boolean('new-checkout', false);
 */
export { createGantryWebClient, GantryWebClient } from './client.js';
export { GantryWebError } from './types.js';
export type {
  ChangeEvent, ClientEvents, ClientStatus, EvaluationContext, FlagDetails, FlagErrorCode, FlagReason, GantryWebClientOptions,
  JsonValue, StatusEvent,
} from './types.js';
