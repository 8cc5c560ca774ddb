import { SymbolonError, isSymbolonError } from '../../errors.js';
import { isPem, parsePemBlocks } from '../../x509/index.js';
import { derShape } from './der-kind.js';
import type { InspectedObject, ObjectKind } from './inspected-object.js';
import { withIssuerSignatures } from './issuer-signature.js';
import { parseObject } from './parse-object.js';

/** What `inspect` found: the objects in input order, and the PEM blocks it does not read. */
export interface InspectedInput {
  readonly objects: readonly InspectedObject[];
  readonly skippedPemLabels: readonly string[];
}

const KIND_OF_LABEL: Readonly<Record<string, ObjectKind>> = {
  CERTIFICATE: 'certificate',
  'CERTIFICATE REQUEST': 'csr',
  'NEW CERTIFICATE REQUEST': 'csr',
  'PRIVATE KEY': 'privateKey',
  'ENCRYPTED PRIVATE KEY': 'privateKey',
  'RSA PRIVATE KEY': 'privateKey',
  'EC PRIVATE KEY': 'privateKey',
  'PUBLIC KEY': 'publicKey',
};

const WHITE_SPACE: ReadonlySet<number> = new Set([0x09, 0x0a, 0x0d, 0x20]);

/** DER carries no label: each parser is tried in turn. */
const DER_ORDER: readonly ObjectKind[] = ['certificate', 'csr', 'privateKey', 'publicKey'];

async function readPem(text: string, passphrase: string | undefined): Promise<InspectedInput> {
  const blocks = parsePemBlocks(text);
  if (blocks.length === 0) throw new SymbolonError('PEM_UNTERMINATED', 'the input has a PEM BEGIN line but no complete PEM block');
  const objects: InspectedObject[] = [];
  const skippedPemLabels: string[] = [];
  for (const { label, der } of blocks) {
    const kind = KIND_OF_LABEL[label];
    if (kind === undefined) skippedPemLabels.push(label);
    else objects.push(await parseObject(kind, der, { format: 'pem', pemLabel: label }, passphrase));
  }
  if (objects.length === 0) {
    const labels = skippedPemLabels.map((label) => `"${label}"`).join(', ');
    throw new SymbolonError('INPUT_UNRECOGNIZED', `the input holds PEM blocks (${labels}) but no certificate, CSR or key`);
  }
  return { objects, skippedPemLabels };
}

async function readDer(der: Buffer, passphrase: string | undefined): Promise<InspectedInput> {
  const failures = new Map<ObjectKind, unknown>();
  for (const kind of DER_ORDER) {
    try {
      return { objects: [await parseObject(kind, der, { format: 'der', pemLabel: undefined }, passphrase)], skippedPemLabels: [] };
    } catch (error) {
      if (!isSymbolonError(error)) throw error;
      failures.set(kind, error);
    }
  }
  // No parser took it: report the complaint of the one its outer structure was meant for.
  const shape = derShape(der);
  if ('notDer' in shape) throw new SymbolonError('INPUT_UNRECOGNIZED', `the input is neither PEM nor DER (${shape.notDer})`);
  if (shape.kind !== undefined) throw failures.get(shape.kind);
  throw new SymbolonError('INPUT_UNRECOGNIZED', 'the input is DER, but not a certificate, CSR or key');
}

/**
 * Every certificate, CSR and key in `input`: PEM (any number of blocks, of any of these kinds)
 * or one DER object, whose type is found by trying each parser. Throws `INPUT_EMPTY`,
 * `INPUT_UNRECOGNIZED`, the `PEM_*` codes, and the typed errors of the parser that fits.
 */
export async function readObjects(input: Buffer, passphrase: string | undefined): Promise<InspectedInput> {
  if (input.length === 0) throw new SymbolonError('INPUT_EMPTY', 'the input is empty');
  if (input.every((byte) => WHITE_SPACE.has(byte))) throw new SymbolonError('INPUT_EMPTY', 'the input holds only white space');
  const result = isPem(input) ? await readPem(input.toString('latin1'), passphrase) : await readDer(input, passphrase);
  return { objects: withIssuerSignatures(result.objects), skippedPemLabels: result.skippedPemLabels };
}
