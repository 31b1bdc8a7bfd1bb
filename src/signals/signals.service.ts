import { Injectable } from '@nestjs/common';
import { SignalDto } from './dto/signal.dto';
import { signalUnknownCredential, UserNames, userSignals } from './signals';
import { SignalsRepository } from './signals.repository';

/** The WebAuthn Signal API payloads of a user, or of a credential the store does not know. */
@Injectable()
export class SignalsService {
  constructor(private readonly repository: SignalsRepository) {}

  /**
   * For every relying party of the user: the accepted credentials, and with `names` the current
   * user details. Read in the caller's transaction when there is one.
   */
  async forUser(tenantId: string, userId: string, names?: UserNames): Promise<SignalDto[]> {
    return userSignals(await this.repository.userAtRelyingParties(tenantId, userId), names);
  }

  /**
   * `signalUnknownCredential` when no relying party with that rpId in the tenant has the
   * credential: a credential of another store with the same rpId is not "unknown" to the
   * browser, whose passkey manager knows rpIds, not stores.
   */
  async ifUnknown(tenantId: string, rpId: string, credentialId: string): Promise<SignalDto[]> {
    if (await this.repository.credentialKnown(tenantId, rpId, credentialId)) return [];
    return [signalUnknownCredential(rpId, credentialId)];
  }
}
