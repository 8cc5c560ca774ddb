import { useState } from 'preact/hooks';
import { api } from '../api.js';
import type { OAuthClient } from '../api.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { ErrorNotice } from '../components/notice.js';
import { ItemsView } from '../components/resource-view.js';
import { formatTime } from '../format.js';
import { useResource } from '../use-resource.js';

/** How a client authenticates: the name its CA-issued certificate carries, or the keys of its self-signed one. */
function credential(client: OAuthClient): string {
  if (client.certificateName !== null) return `${client.certificateName.kind} ${client.certificateName.value}`;
  const count = client.jwks?.keys.length ?? 0;
  return `self-signed, ${count} key${count === 1 ? '' : 's'}`;
}

/** The token endpoint's OAuth clients: listed, and removed after a confirmation (registering stays with the CLI and the API). */
export function OAuthClientsPage() {
  const [resource, reload] = useResource(() => api.oauthClients(), 'OAuth clients');
  const [error, setError] = useState<Error | undefined>(undefined);
  const [removing, setRemoving] = useState<OAuthClient | undefined>(undefined);
  const remove = (client: OAuthClient) => {
    setError(undefined);
    api.removeOAuthClient(client.id).then(
      () => {
        setRemoving(undefined);
        reload();
      },
      (failure: unknown) => {
        setRemoving(undefined);
        setError(failure as Error);
      },
    );
  };
  return (
    <section aria-labelledby="oauth-clients-title">
      <h1 id="oauth-clients-title">OAuth clients</h1>
      <p class="muted">
        Who may get certificate-bound access tokens from the token endpoint. Register one with <code>symbolon oauth client add</code> or{' '}
        <code>POST /api/oauth/clients</code>.
      </p>
      {error !== undefined && <ErrorNotice error={error} />}
      <ItemsView resource={resource} what="OAuth clients" none="No OAuth client.">
        {(clients) => <ClientTable clients={clients} onRemove={setRemoving} />}
      </ItemsView>
      {removing !== undefined && (
        <ConfirmDialog
          title="Remove this OAuth client?"
          confirmLabel="Remove client"
          isDangerous
          onConfirm={() => remove(removing)}
          onCancel={() => setRemoving(undefined)}
        >
          <p>
            Client <span class="mono">{removing.id}</span> will get no more tokens, and introspection will call its tokens inactive.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function ClientTable({
  clients,
  onRemove,
}: {
  readonly clients: readonly OAuthClient[];
  readonly onRemove: (client: OAuthClient) => void;
}) {
  return (
    <table class="data">
      <thead>
        <tr>
          <th scope="col">Client</th>
          <th scope="col">Authenticates by</th>
          <th scope="col">Scopes</th>
          <th scope="col">Audiences</th>
          <th scope="col">Registered</th>
          <th scope="col">
            <span class="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {clients.map((client) => (
          <tr key={client.id}>
            <td class="mono">{client.id}</td>
            <td class="wrap">{credential(client)}</td>
            <td class="wrap">{client.scopes.join(' ')}</td>
            <td class="wrap">{client.audiences.join(' ')}</td>
            <td>{formatTime(client.createdAt)}</td>
            <td>
              <button type="button" onClick={() => onRemove(client)} aria-label={`Remove OAuth client ${client.id}`}>
                Remove
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
