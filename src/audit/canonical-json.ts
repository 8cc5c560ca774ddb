/**
 * JSON with object keys sorted at every level and no white space, so one value has one text and
 * one hash (the idea of RFC 8785, for the plain values the audit log holds: strings, finite
 * numbers, booleans, null, arrays and objects). Keys whose value is undefined are left out, as
 * JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('canonical JSON has no form for a non-finite number');
    return JSON.stringify(value);
  }
  // Built with loops and one string: this runs for every audit entry, on the issuance path.
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i++) text += (i === 0 ? '' : ',') + canonicalJson(value[i] ?? null);
    return text + ']';
  }
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    // The default sort orders by UTF-16 code units, as RFC 8785 3.2.3 asks.
    const keys = Object.keys(record).sort();
    let text = '{';
    for (const key of keys) {
      const item = record[key];
      if (item === undefined) continue;
      text += (text.length === 1 ? '' : ',') + JSON.stringify(key) + ':' + canonicalJson(item);
    }
    return text + '}';
  }
  throw new TypeError(`canonical JSON has no form for a ${typeof value}`);
}
