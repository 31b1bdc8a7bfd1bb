import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { generateAuthenticationOptions, generateRegistrationOptions } from '@simplewebauthn/server';
import { fromBase64Url } from './prechecks';

type Requirement = 'discouraged' | 'preferred' | 'required';
type Hint = 'security-key' | 'client-device' | 'hybrid';
export interface CredentialDescriptor {
  id: string;
  transports: string[];
}

export interface RegistrationOptionsInput {
  rp: { id: string; name: string };
  user: { handle: string; name: string; displayName: string };
  challenge: string;
  timeoutMs: number;
  authenticatorAttachment: 'platform' | 'cross-platform' | null;
  residentKey: Requirement;
  userVerification: Requirement;
  attestation: 'none' | 'indirect' | 'direct' | 'enterprise';
  algorithms: number[];
  hints: Hint[];
  excludeCredentials: CredentialDescriptor[];
}

/** The options for navigator.credentials.create(), from a registration policy. */
export async function registrationOptions(
  input: RegistrationOptionsInput,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const options = await generateRegistrationOptions({
    rpName: input.rp.name,
    rpID: input.rp.id,
    userID: fromBase64Url(input.user.handle),
    userName: input.user.name,
    userDisplayName: input.user.displayName,
    challenge: fromBase64Url(input.challenge),
    timeout: input.timeoutMs,
    attestationType: input.attestation === 'indirect' ? 'none' : input.attestation,
    excludeCredentials: input.excludeCredentials,
    authenticatorSelection: {
      ...(input.authenticatorAttachment
        ? { authenticatorAttachment: input.authenticatorAttachment }
        : {}),
      residentKey: input.residentKey,
      requireResidentKey: input.residentKey === 'required',
      userVerification: input.userVerification,
    },
    supportedAlgorithmIDs: input.algorithms,
  });
  // SimpleWebAuthn has no "indirect" and no L3 hints: set them as the policy says.
  options.attestation = input.attestation;
  if (input.hints.length > 0) options.hints = input.hints;
  return options;
}

export interface AuthenticationOptionsInput {
  rpId: string;
  challenge: string;
  timeoutMs: number;
  userVerification: Requirement;
  hints: Hint[];
  /** Empty for a username-less (discoverable) authentication. */
  allowCredentials: CredentialDescriptor[];
}

/** The options for navigator.credentials.get(), from an authentication policy. */
export async function authenticationOptions(
  input: AuthenticationOptionsInput,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const options = await generateAuthenticationOptions({
    rpID: input.rpId,
    challenge: fromBase64Url(input.challenge),
    timeout: input.timeoutMs,
    userVerification: input.userVerification,
    allowCredentials: input.allowCredentials,
  });
  if (input.hints.length > 0) options.hints = input.hints;
  return options;
}
