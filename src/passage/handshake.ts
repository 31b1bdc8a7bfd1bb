/**
 * The Passkey Flex browser SDK's wire format, translated to and from WebAuthn's JSON
 * (`PublicKeyCredential.toJSON()` and the options JSON). Pure: no I/O.
 *
 * What the SDK (`@passageidentity/passage-flex-js` 1.0.2) sends differs from `toJSON()`:
 * `transports` at the top level of a registration response instead of under `response`, no
 * `clientExtensionResults`, and `userHandle: ""` when the authenticator returned none.
 */

/** The start answer: the options under `handshake.challenge.publicKey`. */
export interface PassageStart {
  handshake: { id: string; challenge: { publicKey: Record<string, unknown> } };
  transaction_id: string;
}

export function startEnvelope(
  handshakeId: string,
  publicKey: Record<string, unknown>,
  transactionId: string,
): PassageStart {
  return {
    handshake: { id: handshakeId, challenge: { publicKey } },
    transaction_id: transactionId,
  };
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The members WebAuthn's JSON has at the top level, copied as they are (validated later). */
function common(h: Json): Json {
  const out: Json = {
    id: h.id,
    rawId: h.rawId,
    type: h.type,
    clientExtensionResults: isObject(h.clientExtensionResults) ? h.clientExtensionResults : {},
  };
  if (h.authenticatorAttachment !== undefined) {
    out.authenticatorAttachment = h.authenticatorAttachment;
  }
  return out;
}

/**
 * A registration `handshake_response` as `RegistrationResponseJSON`; anything not an object is
 * passed on as it is, for the validation to refuse with its field.
 */
export function registrationResponse(h: unknown): unknown {
  if (!isObject(h)) return h;
  const response = isObject(h.response) ? h.response : {};
  const transports = response.transports ?? h.transports;
  return {
    ...common(h),
    response: {
      attestationObject: response.attestationObject,
      clientDataJSON: response.clientDataJSON,
      ...(transports !== undefined ? { transports } : {}),
    },
  };
}

/** An authentication `handshake_response` as `AuthenticationResponseJSON`. */
export function authenticationResponse(h: unknown): unknown {
  if (!isObject(h)) return h;
  const response = isObject(h.response) ? h.response : {};
  // the SDK encodes a missing user handle as ""; WebAuthn's JSON leaves it out
  const userHandle =
    response.userHandle === '' || response.userHandle === null ? undefined : response.userHandle;
  return {
    ...common(h),
    response: {
      clientDataJSON: response.clientDataJSON,
      authenticatorData: response.authenticatorData,
      signature: response.signature,
      ...(userHandle !== undefined ? { userHandle } : {}),
    },
  };
}
