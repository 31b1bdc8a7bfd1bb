// Identity Store browser client (ES module), served at /api/identity-store/browser/client.js.
//
//   import { register, authenticate } from 'https://ids.example.com/api/identity-store/browser/client.js';
//   const nonce = await register(transactionId);                 // sign-up: a new passkey
//   const nonce = await authenticate({ transactionId });         // step-up for a known user
//   const nonce = await authenticate({ transactionId, onTransactionData: (data) => show(data) });
//   const nonce = await authenticate({ conditional: true, tenantId, storeName, rpId }); // autofill
//
// Give the nonce to your backend, which redeems it once with POST .../passkeys/nonces/verify.
//
// WebAuthn Signal API: applySignals(signals) hands the payloads the API returns (`signals` of a
// passkey deletion / update, a user rename, GET .../passkeys/signals) to the browser's passkey
// manager. When a finish is refused for a credential the store does not know, the PasskeyError
// carries `signals`; authenticate({ applyUnknownCredentialSignal: true }) applies them itself
// (then `appliedSignals`). Opt in only where this Identity Store is the one server of the rpId:
// the passkey manager deletes the credential, which another server of that rpId may still know.
// Failures are PasskeyError with a `code`: CANCELLED, NOT_ALLOWED, UNSUPPORTED, ALREADY_REGISTERED,
// SECURITY, NETWORK_ERROR (unreachable, or CORS refused this page's origin), or the API's problem
// code (TRANSACTION_NOT_FOUND, TRANSACTION_EXPIRED, RATE_LIMITED, ...).

const API = new URL('./', import.meta.url);

export class PasskeyError extends Error {
  constructor(code, message, cause, signals) {
    super(message);
    this.name = 'PasskeyError';
    this.code = code;
    this.cause = cause;
    /** Signal API payloads the API answered with the problem (an unknown credential), if any. */
    if (signals) this.signals = signals;
  }
}

const SIGNAL_METHODS = [
  'signalUnknownCredential',
  'signalAllAcceptedCredentials',
  'signalCurrentUserDetails',
];

/**
 * Calls PublicKeyCredential[method](options) for each payload ({ method, options }) that this
 * browser implements; skips the others (older browsers, unknown methods). Never throws: resolves
 * to the payloads the browser accepted.
 */
export async function applySignals(payloads) {
  const applied = [];
  if (!Array.isArray(payloads) || typeof PublicKeyCredential === 'undefined') return applied;
  for (const payload of payloads) {
    const method = payload?.method;
    if (!SIGNAL_METHODS.includes(method)) continue;
    if (typeof PublicKeyCredential[method] !== 'function') continue;
    try {
      await PublicKeyCredential[method](payload.options);
      applied.push(payload);
    } catch {
      // refused (e.g. an rpId that is not this page's): nothing to undo, the others still apply
    }
  }
  return applied;
}

/** True when this browser can run passkey ceremonies at all. */
export function isSupported() {
  return (
    typeof window !== 'undefined' && 'PublicKeyCredential' in window && !!navigator.credentials
  );
}

const b64 = {
  toBytes(text) {
    const base64 = text
      .replace(/-/g, '+')
      .replace(/_/g, '/')
      .padEnd(Math.ceil(text.length / 4) * 4, '=');
    return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  },
  fromBytes(buffer) {
    let text = '';
    for (const byte of new Uint8Array(buffer)) text += String.fromCharCode(byte);
    return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  },
};

function creationOptions(json) {
  if (PublicKeyCredential.parseCreationOptionsFromJSON)
    return PublicKeyCredential.parseCreationOptionsFromJSON(json);
  return {
    ...json,
    challenge: b64.toBytes(json.challenge),
    user: { ...json.user, id: b64.toBytes(json.user.id) },
    excludeCredentials: (json.excludeCredentials ?? []).map((c) => ({
      ...c,
      id: b64.toBytes(c.id),
    })),
  };
}

function requestOptions(json) {
  if (PublicKeyCredential.parseRequestOptionsFromJSON)
    return PublicKeyCredential.parseRequestOptionsFromJSON(json);
  return {
    ...json,
    challenge: b64.toBytes(json.challenge),
    allowCredentials: (json.allowCredentials ?? []).map((c) => ({ ...c, id: b64.toBytes(c.id) })),
  };
}

function credentialJSON(credential) {
  if (typeof credential.toJSON === 'function') return credential.toJSON();
  const r = credential.response;
  const response = r.attestationObject
    ? {
        clientDataJSON: b64.fromBytes(r.clientDataJSON),
        attestationObject: b64.fromBytes(r.attestationObject),
        transports: r.getTransports?.() ?? [],
      }
    : {
        clientDataJSON: b64.fromBytes(r.clientDataJSON),
        authenticatorData: b64.fromBytes(r.authenticatorData),
        signature: b64.fromBytes(r.signature),
        ...(r.userHandle ? { userHandle: b64.fromBytes(r.userHandle) } : {}),
      };
  return {
    id: credential.id,
    rawId: b64.fromBytes(credential.rawId),
    type: credential.type,
    response,
    clientExtensionResults: credential.getClientExtensionResults?.() ?? {},
    ...(credential.authenticatorAttachment
      ? { authenticatorAttachment: credential.authenticatorAttachment }
      : {}),
  };
}

async function post(path, body) {
  let response;
  try {
    response = await fetch(new URL(path, API), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
  } catch (error) {
    // fetch rejects alike for an unreachable server and for CORS refusing this page's origin
    throw new PasskeyError(
      'NETWORK_ERROR',
      `Identity Store could not be reached from ${globalThis.location?.origin}: it is down, or this origin is not one of the relying party's origins`,
      error,
    );
  }
  const json = await response.json().catch(() => ({}));
  if (!response.ok)
    throw new PasskeyError(
      json.code ?? `HTTP_${response.status}`,
      json.detail ?? response.statusText,
      undefined,
      Array.isArray(json.signals) ? json.signals : undefined,
    );
  return json;
}

function browserError(error) {
  switch (error?.name) {
    case 'AbortError':
      return new PasskeyError('CANCELLED', 'The ceremony was aborted', error);
    case 'NotAllowedError':
      return new PasskeyError(
        'NOT_ALLOWED',
        'The user cancelled, or the ceremony timed out or is not allowed here',
        error,
      );
    case 'InvalidStateError':
      return new PasskeyError(
        'ALREADY_REGISTERED',
        'This authenticator already holds a passkey for this account',
        error,
      );
    case 'SecurityError':
      return new PasskeyError(
        'SECURITY',
        'The page origin does not match the relying party',
        error,
      );
    case 'NotSupportedError':
      return new PasskeyError(
        'UNSUPPORTED',
        'No authenticator supports the requested options',
        error,
      );
    default:
      return error instanceof PasskeyError
        ? error
        : new PasskeyError('UNKNOWN', String(error?.message ?? error), error);
  }
}

function requireSupport() {
  if (!isSupported())
    throw new PasskeyError('UNSUPPORTED', 'This browser does not support passkeys');
}

/**
 * A transaction minted with `transactionData` (what the user approves, e.g. a payment): the
 * challenge commits to it, so show it before the passkey prompt. `onTransactionData(data)` may
 * return a promise (e.g. the user's confirmation); throwing aborts before any prompt.
 */
async function present(started, onTransactionData) {
  if (started.transactionData && onTransactionData)
    await onTransactionData(started.transactionData);
}

/** Registers a passkey for the register transaction; resolves to the nonce. */
export async function register(transactionId, { signal, onTransactionData } = {}) {
  requireSupport();
  const id = encodeURIComponent(transactionId);
  const started = await post(`transactions/${id}/start`);
  await present(started, onTransactionData);
  let credential;
  try {
    credential = await navigator.credentials.create({
      publicKey: creationOptions(started.clientRequest),
      signal,
    });
  } catch (error) {
    throw browserError(error);
  }
  return (await post(`transactions/${id}/finish`, { clientResponse: credentialJSON(credential) }))
    .nonce;
}

/**
 * Authenticates with a passkey; resolves to the nonce. With a `transactionId` (step-up of a known
 * user), or username-less with `tenantId`, `storeName`, `rpId` (and `policy`, default "default");
 * `conditional: true` waits for the user to pick a passkey from autofill.
 */
export async function authenticate({
  transactionId,
  conditional = false,
  tenantId,
  storeName,
  rpId,
  policy = 'default',
  signal,
  onTransactionData,
  applyUnknownCredentialSignal = false,
} = {}) {
  requireSupport();
  if (conditional && !(await PublicKeyCredential.isConditionalMediationAvailable?.())) {
    throw new PasskeyError(
      'UNSUPPORTED',
      'This browser has no passkey autofill (conditional mediation)',
    );
  }
  const started = transactionId
    ? await post(`transactions/${encodeURIComponent(transactionId)}/start`)
    : await post(
        [tenantId, 'stores', storeName, 'relyingParties', rpId, 'authentications', policy]
          .map(encodeURIComponent)
          .join('/'),
      );
  await present(started, onTransactionData);
  let credential;
  try {
    credential = await navigator.credentials.get({
      publicKey: requestOptions(started.clientRequest),
      ...(conditional ? { mediation: 'conditional' } : {}),
      signal,
    });
  } catch (error) {
    throw browserError(error);
  }
  const id = encodeURIComponent(started.transactionId);
  try {
    return (await post(`transactions/${id}/finish`, { clientResponse: credentialJSON(credential) }))
      .nonce;
  } catch (error) {
    // a credential the store does not know: tell the passkey manager (opted in), then fail
    if (error.signals && applyUnknownCredentialSignal)
      error.appliedSignals = await applySignals(error.signals);
    throw error;
  }
}
