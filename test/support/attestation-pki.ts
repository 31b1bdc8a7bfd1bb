/**
 * Test-only PKI for attestation and FIDO metadata: roots, intermediates, packed attestation
 * leaves (with the FIDO AAGUID extension) made with @peculiar/x509, and MDS BLOBs signed with
 * jose. Nothing here is trusted outside the tests that load it.
 */
import 'reflect-metadata';
import { KeyObject, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { CompactSign } from 'jose';
import type { AttestationSigner } from './soft-authenticator';

x509.cryptoProvider.set(webcrypto as never);

type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;
/** id-fido-gen-ce-aaguid: the authenticator model, in the attestation certificate. */
const FIDO_AAGUID_OID = '1.3.6.1.4.1.45724.1.1.4';

export interface TestCa {
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
  /** DER */
  der: Buffer;
  pem: string;
  /** base64 DER, as metadata statements and x5c headers carry certificates */
  b64: string;
}

async function keyPair(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

function wrap(cert: x509.X509Certificate, keys: CryptoKeyPair): TestCa {
  const der = Buffer.from(cert.rawData);
  return { cert, keys, der, pem: cert.toString('pem'), b64: der.toString('base64') };
}

const caExtensions = async (keys: CryptoKeyPair) => [
  new x509.BasicConstraintsExtension(true, undefined, true),
  new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
  await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
];

export async function makeRoot(name: string): Promise<TestCa> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${name}, O=Identity Store Tests, C=US`,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 3650 * DAY),
    signingAlgorithm: ALG,
    keys,
    extensions: await caExtensions(keys),
  });
  return wrap(cert, keys);
}

export async function makeIntermediate(issuer: TestCa, name: string): Promise<TestCa> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=${name}, O=Identity Store Tests, C=US`,
    issuer: issuer.cert.subject,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 3650 * DAY),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    extensions: await caExtensions(keys),
  });
  return wrap(cert, keys);
}

/** A leaf for signing (e.g. the MDS BLOB signer): not a CA. */
export async function makeLeaf(issuer: TestCa, name: string, extra: x509.Extension[] = []) {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.create({
    subject: name,
    issuer: issuer.cert.subject,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 365 * DAY),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    extensions: [new x509.BasicConstraintsExtension(false, undefined, true), ...extra],
  });
  return wrap(cert, keys);
}

/**
 * A packed attestation signer: a leaf with the subject WebAuthn §8.2.1 requires (OU
 * "Authenticator Attestation") and the AAGUID extension, issued by `issuer`; x5c is the leaf
 * followed by `intermediates` (never the root: the verifier brings that).
 */
export async function attestationSigner(
  issuer: TestCa,
  aaguid: string,
  intermediates: TestCa[] = [],
): Promise<AttestationSigner> {
  const aaguidBytes = Buffer.from(aaguid.replace(/-/g, ''), 'hex');
  // the extension's value is a DER OCTET STRING (tag 4, length 16) holding the AAGUID
  const value = Buffer.concat([Buffer.from([0x04, 0x10]), aaguidBytes]);
  const leaf = await makeLeaf(
    issuer,
    'C=US, O=Identity Store Tests, OU=Authenticator Attestation, CN=Test Authenticator',
    [new x509.Extension(FIDO_AAGUID_OID, false, value)],
  );
  return {
    chain: [leaf.der, ...intermediates.map((ca) => ca.der)],
    privateKey: KeyObject.from(leaf.keys.privateKey as unknown as webcrypto.CryptoKey),
    alg: -7,
  };
}

/** A FIDO2 metadata statement whose trust anchor is `root`. */
export function statement(aaguid: string, description: string, root: TestCa) {
  return {
    legalHeader: 'Test metadata: not for production',
    aaguid,
    description,
    authenticatorVersion: 1,
    protocolFamily: 'fido2',
    schema: 3,
    upv: [{ major: 1, minor: 1 }],
    authenticationAlgorithms: ['secp256r1_ecdsa_sha256_raw'],
    publicKeyAlgAndEncodings: ['cose'],
    attestationTypes: ['basic_full'],
    userVerificationDetails: [[{ userVerificationMethod: 'passcode_internal' }]],
    keyProtection: ['hardware'],
    matcherProtection: ['on_chip'],
    attachmentHint: ['external'],
    tcDisplay: [],
    attestationRootCertificates: [root.b64],
  };
}

export interface BlobEntry {
  aaguid: string;
  metadataStatement: Record<string, unknown>;
  statusReports: { status: string; effectiveDate?: string }[];
  timeOfLastStatusChange: string;
}

export function blobEntry(
  stmt: ReturnType<typeof statement>,
  statuses: { status: string; effectiveDate?: string }[] = [
    { status: 'FIDO_CERTIFIED_L1', effectiveDate: '2024-01-01' },
  ],
): BlobEntry {
  return {
    aaguid: stmt.aaguid,
    metadataStatement: stmt,
    statusReports: statuses,
    timeOfLastStatusChange: '2024-01-01',
  };
}

/** A MDS3 BLOB: a JWS signed by `signer`, whose x5c is `chain` (leaf first). */
export async function signBlob(
  payload: { no: number; nextUpdate: string; entries: BlobEntry[] },
  signer: TestCa,
  chain: TestCa[] = [signer],
): Promise<string> {
  return new CompactSign(
    new TextEncoder().encode(JSON.stringify({ legalHeader: 'Test BLOB', ...payload })),
  )
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', x5c: chain.map((c) => c.b64) })
    .sign(signer.keys.privateKey as unknown as KeyObject);
}

/** YYYY-MM-DD, `days` from today (UTC). */
export function dayFromNow(days: number): string {
  return new Date(Date.now() + days * DAY).toISOString().slice(0, 10);
}
