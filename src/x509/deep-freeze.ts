import { KeyObject } from 'node:crypto';

/**
 * Freezes a parsed object and everything it holds. Byte views cannot be frozen in JavaScript
 * and KeyObjects cache their details lazily, so both are left as they are: treat them as
 * read-only.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  if (ArrayBuffer.isView(value) || value instanceof KeyObject) return value;
  for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
  return Object.freeze(value);
}
