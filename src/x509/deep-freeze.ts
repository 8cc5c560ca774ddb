import { KeyObject } from 'node:crypto';

/**
 * Freezes a parsed object and everything it holds, without calling its accessors. Byte views cannot be frozen in JavaScript
 * and KeyObjects cache their details lazily, so both are left as they are: treat them as
 * read-only.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  if (ArrayBuffer.isView(value) || value instanceof KeyObject) return value;
  for (const key of Reflect.ownKeys(value)) {
    // Accessors (a lazily loaded key) are frozen in place, not read: reading would load them.
    const descriptor = Object.getOwnPropertyDescriptor(value, key);
    if (descriptor !== undefined && 'value' in descriptor) deepFreeze(descriptor.value);
  }
  return Object.freeze(value);
}
