/**
 * The terms a certificate is found by, as stored in `certificate_terms`: `s:` and the lowercased
 * subject and each of its attribute values, `a:` and each subjectAltName's value (after its
 * `type:`), `n:` and the serial. A search is a prefix range over these (`searchRanges`).
 * PostgreSQL makes the same terms in SQL (migration 4's trigger); keep the two in step.
 */
export function certificateSearchTerms(subject: string, subjectAltNames: readonly string[], serial: string): string[] {
  const terms = new Set<string>();
  const lowered = subject.toLowerCase();
  if (lowered !== '') terms.add(`s:${lowered}`);
  // RFC 4514: RDNs are separated by unescaped commas, multi-valued ones by unescaped plus signs.
  for (const part of lowered.split(/(?<!\\)[,+]/)) {
    const value = part.slice(part.indexOf('=') + 1);
    if (value !== '') terms.add(`s:${value}`);
  }
  for (const name of subjectAltNames) {
    const value = name.slice(name.indexOf(':') + 1).toLowerCase();
    if (value !== '') terms.add(`a:${value}`);
  }
  terms.add(`n:${serial}`);
  return [...terms];
}

/** The kinds of term a text filter looks in. */
export type TermKind = 's' | 'a' | 'n';

/** The half-open ranges [from, to) of terms that start with `prefix` (lowercased) in each kind. */
export function searchRanges(prefix: string, kinds: readonly TermKind[]): { readonly from: string; readonly to: string }[] {
  const lowered = prefix.toLowerCase();
  // U+10FFFF sorts after every character in UTF-8 byte order (SQLite's BINARY, PostgreSQL's "C").
  return kinds.map((kind) => ({ from: `${kind}:${lowered}`, to: `${kind}:${lowered}\u{10FFFF}` }));
}
