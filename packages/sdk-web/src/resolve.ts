import type { FlagSet } from './ofrep.js';
import type { FlagDetails, FlagErrorCode } from './types.js';

/** The value type a getter asks for. */
export type FlagType = 'boolean' | 'string' | 'number' | 'json' | 'any';

function hasType(value: unknown, type: FlagType): boolean {
  switch (type) {
    case 'boolean': return typeof value === 'boolean';
    case 'string': return typeof value === 'string';
    case 'number': return typeof value === 'number' && Number.isFinite(value);
    case 'json': return typeof value === 'object' && value !== null;
    case 'any': return true;
  }
}

function failed<T>(key: string, defaultValue: T, errorCode: FlagErrorCode, errorMessage: string): FlagDetails<T> {
  return { key, value: defaultValue, variant: undefined, reason: 'ERROR', errorCode, errorMessage };
}

/**
 * One flag's details from an evaluation: the served value when it exists and has the asked type,
 * otherwise the default with an error code. Never throws.
 */
export function resolveFlag<T>(flags: FlagSet | undefined, key: string, defaultValue: T, type: FlagType): FlagDetails<T> {
  try {
    if (!flags) return failed(key, defaultValue, 'PROVIDER_NOT_READY', 'no evaluation has arrived for this context yet');
    const entry = typeof key === 'string' ? flags.get(key) : undefined;
    if (!entry) return failed(key, defaultValue, 'FLAG_NOT_FOUND', `flag ${String(key)} is not in this environment's evaluation`);
    if ('errorCode' in entry) return failed(key, defaultValue, entry.errorCode, entry.errorDetails ?? entry.errorCode);
    if (!hasType(entry.value, type)) {
      const actual = Array.isArray(entry.value) ? 'array' : typeof entry.value;
      return failed(key, defaultValue, 'TYPE_MISMATCH', `flag ${key} is a ${actual}, not a ${type}`);
    }
    const details: FlagDetails<T> = { key, value: entry.value as T, variant: entry.variant, reason: entry.reason };
    return entry.metadata ? { ...details, metadata: entry.metadata } : details;
  } catch (error) {
    return failed(String(key), defaultValue, 'GENERAL', error instanceof Error ? error.message : String(error));
  }
}
