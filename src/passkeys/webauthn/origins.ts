import { defaultOriginAllowed } from '../../relying-parties/rp-rules';

/** An origin is accepted when listed, or (no list) when it is the rpId's own https origin tree. */
export function originAllowed(rpId: string, origins: string[], origin: string): boolean {
  if (origins.length > 0) return origins.includes(origin);
  return defaultOriginAllowed(rpId, origin);
}
