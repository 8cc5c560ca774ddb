import { useState } from 'preact/hooks';
import { api } from '../api.js';
import type { CertificateDetail } from '../api.js';
import { ConfirmDialog } from '../components/confirm-dialog.js';
import { ErrorNotice, Loading, Notice } from '../components/notice.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatRelative, formatSerial, formatTime } from '../format.js';
import { useResource } from '../use-resource.js';

/** RFC 5280 5.3.1 reasons an operator revokes for (certificateHold and removeFromCRL are not revocations one confirms). */
const REVOCATION_REASONS = [
  { value: 'keyCompromise', label: 'Key compromise' },
  { value: 'affiliationChanged', label: 'Affiliation changed' },
  { value: 'superseded', label: 'Superseded' },
  { value: 'cessationOfOperation', label: 'Cessation of operation' },
  { value: 'privilegeWithdrawn', label: 'Privilege withdrawn' },
  { value: 'unspecified', label: 'Unspecified' },
] as const;

export function CertificatePage({ serial }: { readonly serial: string }) {
  const [resource, reload] = useResource(() => api.certificate(serial), serial);
  return (
    <section aria-labelledby="certificate-title">
      <p>
        <a href="#/certificates">← Certificates</a>
      </p>
      {resource.state === 'loading' && <Loading what="the certificate" />}
      {resource.state === 'failed' && (
        <>
          <h1 id="certificate-title">Certificate {formatSerial(serial)}</h1>
          <ErrorNotice error={resource.error} />
        </>
      )}
      {resource.state === 'loaded' && <CertificateView certificate={resource.value} onChanged={reload} />}
    </section>
  );
}

function CertificateView({ certificate, onChanged }: { readonly certificate: CertificateDetail; readonly onChanged: () => void }) {
  const { decoded } = certificate;
  const key = decoded.publicKey;
  return (
    <>
      <h1 id="certificate-title">
        {certificate.subject || '(empty subject)'} <StatusBadge status={certificate.status} />
      </h1>
      <div class="columns">
        <dl class="fields">
          <dt>Serial</dt>
          <dd class="mono">{formatSerial(certificate.serial)}</dd>
          <dt>Profile</dt>
          <dd>{certificate.profile}</dd>
          <dt>Issuer</dt>
          <dd>
            {decoded.issuer} <span class="muted">({certificate.issuerId})</span>
          </dd>
          <dt>Names</dt>
          <dd>
            {certificate.sans.length === 0 ? (
              '—'
            ) : (
              <ul class="plain">
                {certificate.sans.map((name) => (
                  <li key={name}>{name}</li>
                ))}
              </ul>
            )}
          </dd>
          <dt>Not before</dt>
          <dd>{formatTime(certificate.notBefore)}</dd>
          <dt>Not after</dt>
          <dd>
            {formatTime(certificate.notAfter)} <span class="muted">({formatRelative(certificate.notAfter)})</span>
          </dd>
          <dt>Public key</dt>
          <dd>
            {key.algorithm}
            {key.curve !== undefined && ` ${key.curve}`}
            {key.size !== undefined && ` ${key.size} bits`}
          </dd>
          <dt>Signature</dt>
          <dd>{decoded.signatureAlgorithm}</dd>
          <dt>Version</dt>
          <dd>v{decoded.version}</dd>
          <dt>SHA-256</dt>
          <dd class="mono wrap">{certificate.fingerprintSha256}</dd>
        </dl>
        <aside class="panel" aria-labelledby="revocation-title">
          <h2 id="revocation-title">Revocation</h2>
          {certificate.status === 'revoked' ? (
            <p>
              Revoked {formatTime(certificate.revokedAt)}
              {certificate.revocationReason !== null && (
                <>
                  {' '}
                  for <strong>{certificate.revocationReason}</strong>
                </>
              )}
              .
            </p>
          ) : (
            <RevokeControl certificate={certificate} onRevoked={onChanged} />
          )}
          <h2>Downloads</h2>
          <ul class="plain downloads">
            <li>
              <a href={api.downloadUrl(certificate.serial, 'pem')} download>
                PEM
              </a>{' '}
              <span class="muted">certificate</span>
            </li>
            <li>
              <a href={api.downloadUrl(certificate.serial, 'der')} download>
                DER
              </a>{' '}
              <span class="muted">certificate</span>
            </li>
            <li>
              <a href={api.downloadUrl(certificate.serial, 'p12')} download>
                PKCS#12
              </a>{' '}
              <span class="muted">certificate and chain, no key</span>
            </li>
          </ul>
        </aside>
      </div>
      <h2>Extensions</h2>
      <table class="data">
        <thead>
          <tr>
            <th scope="col">Extension</th>
            <th scope="col">Critical</th>
            <th scope="col">Value</th>
          </tr>
        </thead>
        <tbody>
          {decoded.extensions.map((extension) => (
            <tr key={extension.oid}>
              <td>
                {extension.name} <span class="muted mono">{extension.oid}</span>
              </td>
              <td>{extension.critical ? 'yes' : 'no'}</td>
              <td class="wrap">{extension.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Chain</h2>
      <ol class="chain">
        <li>
          <details>
            <summary>This certificate</summary>
            <pre>{certificate.pem}</pre>
          </details>
        </li>
        {certificate.chain.map((pem, index) => (
          <li key={index}>
            <details>
              <summary>{index === certificate.chain.length - 1 ? 'Root' : `Issuer ${index + 1}`}</summary>
              <pre>{pem}</pre>
            </details>
          </li>
        ))}
      </ol>
    </>
  );
}

/** Revoke: a reason, then a confirmation step naming what will be revoked; nothing is sent before the confirmation. */
function RevokeControl({ certificate, onRevoked }: { readonly certificate: CertificateDetail; readonly onRevoked: () => void }) {
  const [reason, setReason] = useState<string>('keyCompromise');
  const [isConfirming, setIsConfirming] = useState(false);
  const [isBusy, setIsBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [done, setDone] = useState(false);
  const revoke = () => {
    setIsBusy(true);
    setError(undefined);
    api.revoke(certificate.serial, reason).then(
      () => {
        setIsBusy(false);
        setIsConfirming(false);
        setDone(true);
        onRevoked();
      },
      (failure: unknown) => {
        setIsBusy(false);
        setIsConfirming(false);
        setError(failure as Error);
      },
    );
  };
  return (
    <>
      {done && <Notice>Revoked.</Notice>}
      {error !== undefined && <ErrorNotice error={error} />}
      <form
        class="stack"
        onSubmit={(event) => {
          event.preventDefault();
          setIsConfirming(true);
        }}
      >
        <label>
          Reason
          <select name="reason" value={reason} onChange={(event) => setReason(event.currentTarget.value)}>
            {REVOCATION_REASONS.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="danger">
          Revoke…
        </button>
      </form>
      {isConfirming && (
        <ConfirmDialog
          title="Revoke this certificate?"
          confirmLabel="Revoke certificate"
          isDangerous
          isBusy={isBusy}
          onConfirm={revoke}
          onCancel={() => setIsConfirming(false)}
        >
          <p>
            <strong>{certificate.subject || certificate.serial}</strong> (serial{' '}
            <span class="mono">{formatSerial(certificate.serial)}</span>) will be revoked for{' '}
            <strong>{REVOCATION_REASONS.find((option) => option.value === reason)?.label ?? reason}</strong>.
          </p>
          <p>Gateways refuse it as soon as the revocation reaches them. This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
