import type { ComponentChildren } from 'preact';
import { ApiError } from '../api.js';

/** An error the operator can act on: the API's code and its message, announced to screen readers. */
export function ErrorNotice({ error }: { readonly error: Error }) {
  return (
    <div class="notice notice-error" role="alert">
      {error instanceof ApiError ? (
        <>
          <strong>{error.status === 401 || error.status === 403 ? 'Access refused' : 'The API refused'}</strong> ({error.code}):{' '}
          {error.message}
        </>
      ) : (
        <>
          <strong>Failed:</strong> {error.message}
        </>
      )}
    </div>
  );
}

export function Loading({ what }: { readonly what: string }) {
  return (
    <p class="muted" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function Notice({ children }: { readonly children: ComponentChildren }) {
  return (
    <div class="notice" role="status">
      {children}
    </div>
  );
}
