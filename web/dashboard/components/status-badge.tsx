import type { CertificateStatus } from '../api.js';

/** A certificate's status as a word and a colour (the word alone carries it for screen readers). */
export function StatusBadge({ status }: { readonly status: CertificateStatus }) {
  return <span class={`badge badge-${status}`}>{status}</span>;
}
