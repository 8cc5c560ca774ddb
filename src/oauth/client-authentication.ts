import { createPublicKey } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { nameKey } from '../path/index.js';
import type { OAuthClientRecord, Store } from '../store/index.js';
import { parseCertificate, parseName } from '../x509/index.js';
import type { Certificate } from '../x509/index.js';

export type ClientAuthentication =
  { readonly ok: true; readonly certificate: Certificate } | { readonly ok: false; readonly detail: string };

/** The DER of the connection's client certificate, whether or not it chains to the listener's CAs. */
export function peerCertificateDer(socket: TLSSocket): Buffer | undefined {
  const peer = socket.getPeerCertificate();
  return peer !== null && typeof peer === 'object' && Buffer.isBuffer(peer.raw) && peer.raw.length > 0 ? peer.raw : undefined;
}

function spkiOf(key: Parameters<typeof createPublicKey>[0]): Buffer | undefined {
  try {
    return createPublicKey(key).export({ type: 'spki', format: 'der' });
  } catch {
    return undefined;
  }
}

/** RFC 8705 2.1.2: the registered name is the subject DN (RFC 5280 7.1 equality) or one of the certificate's SANs of its type. */
function hasRegisteredName(client: OAuthClientRecord, certificate: Certificate): boolean {
  const name = client.certificateName;
  if (name === null) return false;
  if (name.kind === 'subject_dn') return nameKey(parseName(name.value)) === nameKey(certificate.subject);
  const type = ({ san_dns: 'dns', san_uri: 'uri', san_ip: 'ip', san_email: 'email' } as const)[name.kind];
  const wanted = type === 'dns' ? name.value.toLowerCase() : name.value;
  return certificate.subjectAltNames.some(
    (san) => san.type === type && (type === 'dns' ? san.value.toLowerCase() === wanted : san.value === wanted),
  );
}

/**
 * RFC 8705 2: authenticates `client` by the TLS client certificate of `socket`. tls_client_auth
 * (2.1): the certificate chains to the CAs the listener trusts (OpenSSL checked the chain and
 * dates), is not revoked by this CA, and carries the registered name. self_signed_tls_client_auth
 * (2.2): its public key is one of the client's registered JWKS; the handshake proved the key.
 */
export async function authenticateClient(
  client: OAuthClientRecord,
  socket: TLSSocket,
  store: Pick<Store, 'findCertificatesBySerial'>,
): Promise<ClientAuthentication> {
  const der = peerCertificateDer(socket);
  if (der === undefined) return { ok: false, detail: 'no TLS client certificate was presented' };
  let certificate: Certificate;
  try {
    certificate = parseCertificate(der);
  } catch {
    return { ok: false, detail: 'the TLS client certificate does not parse' };
  }
  if (client.authMethod === 'tls_client_auth') {
    if (!socket.authorized) return { ok: false, detail: 'the TLS client certificate does not chain to this CA (or is expired)' };
    const records = await store.findCertificatesBySerial(certificate.serialNumber);
    const record = records.find((candidate) => candidate.fingerprint === certificate.fingerprintSha256);
    if (record?.revocation !== null && record?.revocation !== undefined)
      return { ok: false, detail: 'the TLS client certificate is revoked' };
    if (!hasRegisteredName(client, certificate))
      return { ok: false, detail: 'the TLS client certificate does not carry the registered name' };
    return { ok: true, certificate };
  }
  const presented = spkiOf({ key: certificate.spki, format: 'der', type: 'spki' });
  const registered = (client.jwks?.keys ?? []).map((jwk) => spkiOf({ key: jwk as JsonWebKey, format: 'jwk' }));
  if (presented === undefined || !registered.some((spki) => spki !== undefined && spki.equals(presented)))
    return { ok: false, detail: "the TLS client certificate's key is not one of the registered keys" };
  return { ok: true, certificate };
}
