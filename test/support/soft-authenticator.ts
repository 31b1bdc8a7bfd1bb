/**
 * A software WebAuthn authenticator (plus "client") for tests. It produces real signatures that
 * `@simplewebauthn/server` accepts, and can forge bad payloads for negative tests.
 *
 * Only `node:crypto` is used; the CBOR encoder below is just enough for attestation objects and
 * COSE keys.
 */
import { createHash, createPublicKey, KeyObject, randomBytes, sign } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  AuthenticatorTransport,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { keyPair } from './key-pairs';

/** COSE algorithm ids supported: ES256 (P-256), EdDSA (Ed25519), RS256 (RSA-2048). */
export type CoseAlg = -7 | -8 | -257;
/** Attestation statement formats this authenticator can emit. */
export type SoftAttestation = 'none' | 'packed';

/** A credential held by the authenticator. Mutable on purpose: tests may tweak `counter`. */
export interface SoftCredential {
  id: Buffer;
  alg: CoseAlg;
  privateKey: KeyObject;
  /** COSE_Key bytes, exactly as embedded in authData. */
  publicKeyCose: Buffer;
  /** Signature counter: last value reported. */
  counter: number;
  /** user.id from the creation options; present means discoverable (resident). */
  userHandle?: Buffer;
  rpId: string;
  aaguid: Buffer;
  backupEligible: boolean;
  backupState: boolean;
}

/** Forgeries shared by registration and authentication. Everything is optional. */
export interface CommonOverrides {
  /** clientData.origin (default: the `origin` argument). */
  origin?: string;
  /** RP ID hashed into authData (default: the real RP ID). */
  rpId?: string;
  /** clientData.challenge, base64url (default: the options' challenge). */
  challenge?: string;
  /** clientData.type (default: 'webauthn.create' / 'webauthn.get'). */
  type?: string;
  /** More clientData members, or other values of `crossOrigin` (`{ topOrigin: … }`). */
  clientDataExtra?: Record<string, unknown>;
  /** UP flag (default true). */
  userPresent?: boolean;
  /** UV flag (default true). */
  userVerified?: boolean;
  backupEligible?: boolean;
  backupState?: boolean;
  /** Counter written into authData. Registration: becomes the stored counter. Authentication:
   * used verbatim and NOT stored (it is a forgery; the real counter does not move). */
  counter?: number;
  /** Flip the last byte of the signature (packed attStmt.sig at registration). The last byte keeps
   * ECDSA's DER structure intact, so the failure is a bad signature rather than a parse error. */
  tamperSignature?: boolean;
  /** Registration: id for the new credential. Authentication: which held credential to use. */
  credentialId?: Buffer;
  /** Registration: user handle to store. Authentication: handle to return (null omits it). */
  userHandle?: Buffer | null;
}

/** A packed "full" attestation: the x5c chain (DER, leaf first) and the leaf's private key. */
export interface AttestationSigner {
  chain: Buffer[];
  privateKey: KeyObject;
  /** COSE alg of the leaf key (default -7, ES256). */
  alg?: CoseAlg;
}

export interface RegistrationOverrides extends CommonOverrides {
  /** Key type; may be one the RP did not ask for (default: first supported in pubKeyCredParams). */
  alg?: CoseAlg;
  attestation?: SoftAttestation;
  /** AAGUID as a UUID string. */
  aaguid?: string;
  /** Packed attestation signed by this certificate chain instead of self attestation. */
  attestationSigner?: AttestationSigner;
  /** COSE_Key bytes written into authData instead of the real key (see {@link forgeCoseKey}). */
  publicKeyCose?: Buffer;
  /** Bytes appended after the attestation object's CBOR. */
  trailingBytes?: Buffer;
  /** id/rawId the client reports (default: the credential id in authData). */
  responseId?: Buffer;
}

/** Kinds of unusable credential public keys {@link forgeCoseKey} makes. */
export type ForgedKey = 'unknown-kty' | 'ec-point-off-curve' | 'okp-5-bytes' | 'rsa-1-byte';

/** A COSE_Key no assertion could ever verify against, for negative registration tests. */
export function forgeCoseKey(kind: ForgedKey): Buffer {
  const ec = keyPair({ type: 'ec' }).publicJwk;
  const x = Buffer.from(ec.x!, 'base64url');
  const y = Buffer.from(ec.y!, 'base64url');
  // prettier-ignore
  const entries: [number, CborValue][] =
    kind === 'unknown-kty' ? [[1, 99], [3, -7], [-1, 1], [-2, x], [-3, y]]
      : kind === 'ec-point-off-curve' ? [[1, 2], [3, -7], [-1, 1], [-2, x], [-3, Buffer.from(y.map((b, i) => (i === 31 ? b ^ 1 : b)))]]
        : kind === 'okp-5-bytes' ? [[1, 1], [3, -8], [-1, 6], [-2, Buffer.from([1, 2, 3, 4, 5])]]
          : [[1, 3], [3, -257], [-1, Buffer.from([0xc5])], [-2, Buffer.from([1, 0, 1])]];
  return cborEncode(new Map(entries));
}

export type AuthenticationOverrides = CommonOverrides;

export interface SoftAuthenticatorOptions {
  /** AAGUID as a UUID string (default: all zeros, as most "none" attesters send). */
  aaguid?: string;
  /** Default attestation format (default 'none'). */
  attestation?: SoftAttestation;
  /** Defaults for new credentials (default false: a device-bound credential). */
  backupEligible?: boolean;
  backupState?: boolean;
  /** Counter increment per assertion; 0 emulates counter-less synced passkeys (default 1). */
  counterStep?: number;
  transports?: AuthenticatorTransport[];
  attachment?: 'platform' | 'cross-platform';
}

/** Values {@link cborEncode} can write. */
export type CborValue =
  number | string | boolean | null | Uint8Array | CborValue[] | Map<number | string, CborValue>;

/** Minimal CBOR (RFC 8949) encoder with shortest-form lengths, which SimpleWebAuthn relies on
 * when it re-encodes the COSE key to measure it. Map key order is preserved as given. */
export function cborEncode(value: CborValue): Buffer {
  const head = (major: number, n: number): Buffer => {
    if (!Number.isSafeInteger(n) || n < 0) throw new Error(`CBOR: bad length/int ${n}`);
    const m = major << 5;
    if (n < 24) return Buffer.from([m | n]);
    if (n < 0x100) return Buffer.from([m | 24, n]);
    if (n < 0x10000) return Buffer.from([m | 25, n >> 8, n & 0xff]);
    const b = Buffer.alloc(n < 0x100000000 ? 5 : 9);
    if (b.length === 5) b.writeUInt32BE(n, 1);
    else b.writeBigUInt64BE(BigInt(n), 1);
    b[0] = m | (b.length === 5 ? 26 : 27);
    return b;
  };
  if (value === null) return Buffer.from([0xf6]);
  if (typeof value === 'boolean') return Buffer.from([value ? 0xf5 : 0xf4]);
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error('CBOR: only integers are supported');
    return value >= 0 ? head(0, value) : head(1, -1 - value);
  }
  if (typeof value === 'string') {
    const utf8 = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, utf8.length), utf8]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), value]);
  if (Array.isArray(value)) return Buffer.concat([head(4, value.length), ...value.map(cborEncode)]);
  const parts = [head(5, value.size)];
  for (const [k, v] of value) parts.push(cborEncode(k), cborEncode(v));
  return Buffer.concat(parts);
}

const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
const sha256 = (b: Uint8Array | string): Buffer => createHash('sha256').update(b).digest();

function uuidToBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`Invalid AAGUID "${uuid}"`);
  return Buffer.from(hex, 'hex');
}

/** Generates a key pair and its COSE_Key encoding (RFC 8152 §13, RFC 8230 labels). */
function generateCredentialKey(alg: CoseAlg): { privateKey: KeyObject; cose: Buffer } {
  const { privateKey, publicJwk: jwk } = keyPair(
    alg === -7
      ? { type: 'ec' }
      : alg === -8
        ? { type: 'ed25519' }
        : { type: 'rsa', modulusLength: 2048 },
  );
  const bin = (s?: string): Buffer => Buffer.from(s ?? '', 'base64url');
  // 1 = kty (2 EC2, 1 OKP, 3 RSA), 3 = alg; negative labels are per kty: crv/x/y or n/e.
  // prettier-ignore
  const entries: [number, CborValue][] =
    alg === -7
      ? [[1, 2], [3, alg], [-1, 1], [-2, bin(jwk.x)], [-3, bin(jwk.y)]]
      : alg === -8
        ? [[1, 1], [3, alg], [-1, 6], [-2, bin(jwk.x)]]
        : [[1, 3], [3, alg], [-1, bin(jwk.n)], [-2, bin(jwk.e)]];
  return { privateKey, cose: cborEncode(new Map(entries)) };
}

/** Signs authData || SHA-256(clientDataJSON), as both assertions and packed attestation do.
 * ES256 → DER (node's default), EdDSA → raw 64 bytes, RS256 → PKCS#1 v1.5 (node's default). */
function signWith(cred: SoftCredential, authData: Buffer, clientData: Buffer, tamper?: boolean) {
  const data = Buffer.concat([authData, sha256(clientData)]);
  const sig = sign(cred.alg === -8 ? null : 'sha256', data, cred.privateKey);
  if (tamper) sig[sig.length - 1] ^= 0x01;
  return sig;
}

/** The client's CollectedClientData, serialized in the member order browsers use. */
function clientData(type: string, challenge: string, origin: string, o: CommonOverrides): Buffer {
  const { type: t = type, challenge: c = challenge, origin: og = origin } = o;
  return Buffer.from(
    JSON.stringify({ type: t, challenge: c, origin: og, crossOrigin: false, ...o.clientDataExtra }),
  );
}

/** Software authenticator + client: builds clientDataJSON and authData, signs, and returns the
 * WebAuthn JSON shapes a browser would post. */
export class SoftAuthenticator {
  /** Every credential created so far, oldest first. */
  readonly credentials: SoftCredential[] = [];
  private readonly opts: Required<Omit<SoftAuthenticatorOptions, 'aaguid'>> & { aaguid: Buffer };

  constructor(options: SoftAuthenticatorOptions = {}) {
    this.opts = {
      aaguid: uuidToBytes(options.aaguid ?? '00000000-0000-0000-0000-000000000000'),
      attestation: options.attestation ?? 'none',
      backupEligible: options.backupEligible ?? false,
      backupState: options.backupState ?? false,
      counterStep: options.counterStep ?? 1,
      transports: options.transports ?? ['internal', 'hybrid'],
      attachment: options.attachment ?? 'platform',
    };
  }

  /** navigator.credentials.create(): makes a resident credential and returns its attestation. */
  register(
    creationOptions: PublicKeyCredentialCreationOptionsJSON,
    origin: string,
    overrides: RegistrationOverrides = {},
  ): RegistrationResponseJSON {
    const supported = (a: number): a is CoseAlg => a === -7 || a === -8 || a === -257;
    const alg = overrides.alg ?? creationOptions.pubKeyCredParams.map((p) => p.alg).find(supported);
    if (alg === undefined) throw new Error('NotSupportedError: no supported pubKeyCredParams alg');
    const { privateKey, cose } = generateCredentialKey(alg);
    const rpId = creationOptions.rp.id ?? new URL(origin).hostname;
    const userHandle =
      overrides.userHandle === undefined
        ? Buffer.from(creationOptions.user.id, 'base64url')
        : (overrides.userHandle ?? undefined);
    const cred: SoftCredential = {
      id: overrides.credentialId ?? randomBytes(32),
      alg,
      privateKey,
      publicKeyCose: cose,
      counter: overrides.counter ?? 0,
      userHandle,
      rpId,
      aaguid: overrides.aaguid ? uuidToBytes(overrides.aaguid) : this.opts.aaguid,
      backupEligible: overrides.backupEligible ?? this.opts.backupEligible,
      backupState: overrides.backupState ?? this.opts.backupState,
    };
    this.credentials.push(cred);

    const idLen = Buffer.alloc(2);
    idLen.writeUInt16BE(cred.id.length);
    const attestedCredentialData = Buffer.concat([
      cred.aaguid,
      idLen,
      cred.id,
      overrides.publicKeyCose ?? cose,
    ]);
    const authData = this.authData(cred, overrides, cred.counter, attestedCredentialData);
    const clientDataJSON = clientData(
      'webauthn.create',
      creationOptions.challenge,
      origin,
      overrides,
    );

    const fmt = overrides.attestation ?? this.opts.attestation;
    const attStmt = new Map<string, CborValue>();
    const signer = overrides.attestationSigner;
    if (fmt === 'packed' && signer) {
      // Full attestation: signed by the attestation certificate's key, chain in x5c (§8.2).
      const signerAlg = signer.alg ?? -7;
      const sig = signWith(
        { ...cred, alg: signerAlg, privateKey: signer.privateKey },
        authData,
        clientDataJSON,
        overrides.tamperSignature,
      );
      attStmt.set('alg', signerAlg).set('sig', sig).set('x5c', signer.chain);
    } else if (fmt === 'packed') {
      // Self attestation: no x5c; signed with the credential key itself (WebAuthn §8.2).
      const sig = signWith(cred, authData, clientDataJSON, overrides.tamperSignature);
      attStmt.set('alg', alg).set('sig', sig);
    }
    const attestationObject = Buffer.concat([
      cborEncode(
        new Map<string, CborValue>([
          ['fmt', fmt],
          ['attStmt', attStmt],
          ['authData', authData],
        ]),
      ),
      overrides.trailingBytes ?? Buffer.alloc(0),
    ]);
    // L3 getPublicKey(): SPKI DER, so servers that read it can skip COSE parsing.
    const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
    const id = b64u(overrides.responseId ?? cred.id);
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON: b64u(clientDataJSON),
        attestationObject: b64u(attestationObject),
        authenticatorData: b64u(authData),
        transports: [...this.opts.transports],
        publicKeyAlgorithm: alg,
        publicKey: b64u(spki),
      },
      clientExtensionResults: {},
      authenticatorAttachment: this.opts.attachment,
    };
  }

  /** navigator.credentials.get(): picks a credential (credentialId override, else the first held
   * one in allowCredentials, else the first discoverable one for the RP), bumps its counter and
   * signs authData||SHA-256(clientDataJSON). Throws NotAllowedError when nothing matches. */
  authenticate(
    requestOptions: PublicKeyCredentialRequestOptionsJSON,
    origin: string,
    overrides: AuthenticationOverrides = {},
  ): AuthenticationResponseJSON {
    const rpId = requestOptions.rpId ?? new URL(origin).hostname;
    const allow = requestOptions.allowCredentials ?? [];
    const cred = this.credentials.find((c) => {
      if (overrides.credentialId) return c.id.equals(overrides.credentialId);
      if (c.rpId !== rpId) return false;
      return allow.length ? allow.some((a) => a.id === b64u(c.id)) : c.userHandle !== undefined;
    });
    if (!cred) throw new Error(`NotAllowedError: no credential for RP "${rpId}"`);

    let counter = overrides.counter;
    if (counter === undefined) {
      cred.counter += this.opts.counterStep;
      counter = cred.counter;
    }
    const authData = this.authData(cred, overrides, counter);
    const clientDataJSON = clientData('webauthn.get', requestOptions.challenge, origin, overrides);
    const signature = signWith(cred, authData, clientDataJSON, overrides.tamperSignature);
    const userHandle = overrides.userHandle === undefined ? cred.userHandle : overrides.userHandle;
    return {
      id: b64u(cred.id),
      rawId: b64u(cred.id),
      type: 'public-key',
      response: {
        clientDataJSON: b64u(clientDataJSON),
        authenticatorData: b64u(authData),
        signature: b64u(signature),
        ...(userHandle ? { userHandle: b64u(userHandle) } : {}),
      },
      clientExtensionResults: {},
      authenticatorAttachment: this.opts.attachment,
    };
  }

  /** rpIdHash(32) | flags(1) | signCount(4, big-endian) | [attestedCredentialData]. */
  private authData(cred: SoftCredential, o: CommonOverrides, counter: number, at?: Buffer): Buffer {
    const flags =
      ((o.userPresent ?? true) ? 0x01 : 0) |
      ((o.userVerified ?? true) ? 0x04 : 0) |
      ((o.backupEligible ?? cred.backupEligible) ? 0x08 : 0) |
      ((o.backupState ?? cred.backupState) ? 0x10 : 0) |
      (at ? 0x40 : 0);
    const head = Buffer.alloc(37);
    sha256(o.rpId ?? cred.rpId).copy(head, 0);
    head[32] = flags;
    head.writeUInt32BE(counter >>> 0, 33);
    return at ? Buffer.concat([head, at]) : head;
  }
}
