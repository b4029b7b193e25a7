import { stableStringify } from './hash.js';
import { GantryWebError, type EvaluationContext } from './types.js';

/** A private copy of a context exactly as it is sent (JSON), frozen. */
export function copyContext(context: unknown): { context: EvaluationContext; text: string } {
  if (typeof context !== 'object' || context === null || Array.isArray(context)) {
    throw new GantryWebError('INVALID_CONTEXT', 'a context must be an object such as { targetingKey: "user-123" }');
  }
  let text: string;
  try {
    text = stableStringify(context);
  } catch (cause) {
    throw new GantryWebError('INVALID_CONTEXT', 'the context cannot be sent as JSON', { cause });
  }
  const copy = JSON.parse(text) as EvaluationContext;
  for (const value of Object.values(copy)) if (typeof value === 'object' && value !== null) Object.freeze(value);
  return { context: Object.freeze(copy), text };
}
