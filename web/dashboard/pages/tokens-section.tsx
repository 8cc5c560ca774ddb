import { useState } from 'preact/hooks';
import { api } from '../api.js';
import type { EnrollmentToken } from '../api.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { ErrorNotice, Notice } from '../components/notice.js';
import { ItemsView } from '../components/resource-view.js';
import { formatTime } from '../format.js';
import { useResource } from '../use-resource.js';

/** Enrollment tokens: make one (its secret shown once), list them, revoke one after a confirmation. */
export function TokensSection() {
  const [resource, reload] = useResource(() => api.tokens(), 'tokens');
  const [names, setNames] = useState('');
  const [profile, setProfile] = useState('client');
  const [uses, setUses] = useState('1');
  const [expiresIn, setExpiresIn] = useState('24h');
  const [secret, setSecret] = useState<string | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [revoking, setRevoking] = useState<EnrollmentToken | undefined>(undefined);
  const create = (event: Event) => {
    event.preventDefault();
    setError(undefined);
    setSecret(undefined);
    const body = {
      names: names.split(/[\s,]+/).filter(Boolean),
      profile,
      ...(uses === '' ? {} : { uses: Number(uses) }),
      ...(expiresIn === '' ? {} : { expiresIn }),
    };
    api.createToken(body).then(
      (created) => {
        setSecret(`${created.id}:${created.secret}`);
        reload();
      },
      (failure: unknown) => setError(failure as Error),
    );
  };
  const revoke = (token: EnrollmentToken) => {
    api.revokeToken(token.id).then(
      () => {
        setRevoking(undefined);
        reload();
      },
      (failure: unknown) => {
        setRevoking(undefined);
        setError(failure as Error);
      },
    );
  };
  return (
    <>
      <h2>Enrollment tokens</h2>
      <form class="filters" onSubmit={create} aria-label="New enrollment token">
        <label>
          Names (globs)
          <input
            type="text"
            name="names"
            required
            value={names}
            placeholder="*.svc.example.com"
            onInput={(event) => setNames(event.currentTarget.value)}
          />
        </label>
        <label>
          Profile
          <input type="text" name="profile" required value={profile} onInput={(event) => setProfile(event.currentTarget.value)} />
        </label>
        <label>
          Uses
          <input type="number" name="uses" min="1" value={uses} onInput={(event) => setUses(event.currentTarget.value)} />
        </label>
        <label>
          Expires in
          <input
            type="text"
            name="expiresIn"
            value={expiresIn}
            placeholder="24h"
            onInput={(event) => setExpiresIn(event.currentTarget.value)}
          />
        </label>
        <button type="submit" class="primary">
          Create token
        </button>
      </form>
      {secret !== undefined && (
        <Notice>
          Token created. Enroll with <code class="secret">{secret}</code> (ID:SECRET, as HTTP Basic); the secret is shown this once.
        </Notice>
      )}
      {error !== undefined && <ErrorNotice error={error} />}
      <ItemsView resource={resource} what="tokens" none="No enrollment token.">
        {(tokens) => <TokenTable tokens={tokens} onRevoke={setRevoking} />}
      </ItemsView>
      {revoking !== undefined && (
        <ConfirmDialog
          title="Revoke this token?"
          confirmLabel="Revoke token"
          isDangerous
          onConfirm={() => revoke(revoking)}
          onCancel={() => setRevoking(undefined)}
        >
          <p>
            Token <span class="mono">{revoking.id}</span> will no longer enroll anything.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}

function TokenTable({
  tokens,
  onRevoke,
}: {
  readonly tokens: readonly EnrollmentToken[];
  readonly onRevoke: (token: EnrollmentToken) => void;
}) {
  return (
    <table class="data">
      <thead>
        <tr>
          <th scope="col">Token</th>
          <th scope="col">Names</th>
          <th scope="col">Profile</th>
          <th scope="col">Uses left</th>
          <th scope="col">Expires</th>
          <th scope="col">State</th>
          <th scope="col">
            <span class="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {tokens.map((token) => (
          <tr key={token.id}>
            <td class="mono">{token.id}</td>
            <td class="wrap">{token.names.join(', ')}</td>
            <td>{token.profile}</td>
            <td class="number">
              {token.usesLeft} of {token.uses}
            </td>
            <td>{formatTime(token.expiresAt)}</td>
            <td>{token.state}</td>
            <td>
              {token.state === 'usable' && (
                <button type="button" onClick={() => onRevoke(token)} aria-label={`Revoke token ${token.id}`}>
                  Revoke
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
