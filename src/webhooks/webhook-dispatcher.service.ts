import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { loggableMessage } from '../common/logging/error-serializer';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { KeyEncryption } from '../signing/key-encryption';
import { ClaimedDelivery, OutboxRepository } from './outbox.repository';
import { nextDelay, RetrySchedule } from './retry-schedule';
import { secretBinding, signedHeaders } from './webhook-signature';
import { sendWebhook, SendResult } from './webhook-sender';
import { targetPolicy } from './webhook-targets';

/** How often an instance deletes finished deliveries past their retention (ms). */
const PURGE_EVERY_MS = 60_000;

/**
 * The sender of each instance: every IDS_WEBHOOK_POLL_MS it claims due deliveries (as many as it
 * has free slots, and at most IDS_WEBHOOK_ENDPOINT_CONCURRENCY of one endpoint on the wire),
 * sends each outside any transaction, and records the outcome. Where a claim was cut by those limits,
 * the deliveries that finish claim again at once (a busy endpoint is served as fast as it
 * answers); the poll is the backstop. Instances share the work through the claims; one that
 * dies leaves its claims to the others after the lease.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private readonly inFlight = new Set<Promise<void>>();
  /** endpoint id → deliveries of it on the wire from this instance */
  private readonly perEndpoint = new Map<string, number>();
  /** tenant id → deliveries of it on the wire from this instance */
  private readonly perTenant = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private claiming = false;
  private stopped = false;
  /** The last claim filled every free slot: more may be due, claim again as deliveries finish. */
  private full = false;
  /**
   * Endpoints and tenants (`e:{id}`, `t:{id}`) the last claim cut at their cap (left out as
   * already at it, or taken up to it): more of theirs may be due, so each of their finished
   * deliveries claims again.
   */
  private readonly waiting = new Set<string>();
  /** A claim was asked for while one ran: claim again when it ends. */
  private rerun = false;
  private purgedAt = 0;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly sealer: KeyEncryption,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private get schedule(): RetrySchedule {
    return {
      maxAttempts: this.config.webhookMaxAttempts,
      baseMs: this.config.webhookRetryBaseMs,
      capMs: this.config.webhookRetryCapMs,
    };
  }

  onApplicationBootstrap(): void {
    if (this.config.webhookPollMs === 0) return;
    this.timer = setInterval(() => void this.tick(), this.config.webhookPollMs);
    this.timer.unref();
  }

  /** Stops claiming and lets the requests on the wire finish (each is bounded by its timeout). */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.allSettled([...this.inFlight]);
  }

  /** One round: claim into the free slots and start sending; the number claimed. */
  async tick(): Promise<number> {
    if (this.stopped) return 0;
    if (this.claiming) {
      this.rerun = true;
      return 0;
    }
    const free = this.config.webhookConcurrency - this.inFlight.size;
    if (free <= 0) return 0;
    this.claiming = true;
    try {
      const cap = this.config.webhookEndpointConcurrency;
      const tenantCap = this.config.webhookTenantConcurrency;
      const onTheWire = new Map(this.perEndpoint);
      const tenantsOnTheWire = new Map(this.perTenant);
      const claimed = await this.outbox.claim(
        free,
        this.config.webhookLeaseMs,
        this.config.webhookMaxAttempts,
        { perEndpoint: cap, onTheWire, perTenant: tenantCap, tenantsOnTheWire },
      );
      this.full = claimed.length === free;
      // cut at a cap: what the claim could take of the endpoint or tenant (left out: nothing),
      // all taken
      const allowance = new Map<string, number>([
        ...[...onTheWire].map(([endpoint, n]) => [`e:${endpoint}`, cap - n] as const),
        ...[...tenantsOnTheWire].map(([tenant, n]) => [`t:${tenant}`, tenantCap - n] as const),
      ]);
      for (const delivery of claimed) {
        for (const [k, limit] of [
          [`e:${delivery.endpointId}`, cap],
          [`t:${delivery.tenantId}`, tenantCap],
        ] as const)
          allowance.set(k, (allowance.get(k) ?? limit) - 1);
      }
      this.waiting.clear();
      for (const [k, left] of allowance) if (left <= 0) this.waiting.add(k);
      for (const delivery of claimed) {
        const { endpointId: endpoint, tenantId: tenant } = delivery;
        count(this.perEndpoint, endpoint, +1);
        count(this.perTenant, tenant, +1);
        const sending: Promise<void> = this.deliver(delivery).finally(() => {
          this.inFlight.delete(sending);
          count(this.perEndpoint, endpoint, -1);
          count(this.perTenant, tenant, -1);
          if (this.full || this.waiting.has(`e:${endpoint}`) || this.waiting.has(`t:${tenant}`))
            void this.tick();
        });
        this.inFlight.add(sending);
      }
      await this.purgeNow();
      return claimed.length;
    } catch (error) {
      this.logger.warn(`webhook claim failed: ${loggableMessage(error)}`);
      return 0;
    } finally {
      this.claiming = false;
      if (this.rerun && !this.stopped) {
        this.rerun = false;
        setImmediate(() => void this.tick());
      }
    }
  }

  /** Never rejects: nothing awaits a delivery, so a rejection would end the process. */
  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    let result: SendResult;
    try {
      result = await this.send(delivery);
    } catch (error) {
      // sendWebhook answers its failures; this is the unexpected (a throw before its request)
      result = { ok: false, statusCode: null, error: 'the request could not be made' };
      this.logger.error(
        `webhook delivery ${delivery.id}: the request could not be made: ${loggableMessage(error)}`,
      );
    }
    try {
      if (result.ok) {
        await this.outbox.succeeded(delivery, result.statusCode!);
      } else {
        // 410 Gone: the receiver says this endpoint is no more (Standard Webhooks): it stops, if
        // it is still active at the URL that answered (else the delivery is retried as usual,
        // at the endpoint's new URL)
        const verdict =
          result.statusCode === 410
            ? await this.outbox.deactivateGone(delivery.tenantId, delivery.endpointId, delivery.url)
            : undefined;
        // turned off now, or already off: the delivery ends; moved to another URL: it is retried
        const gone = verdict === 'turned-off' || verdict === 'inactive';
        if (verdict === 'turned-off') {
          this.logger.warn(
            `webhook endpoint ${delivery.endpointId} answered 410 Gone: deactivated (its pending deliveries end as failed; turn it on again and redeliver)`,
          );
        }
        await this.outbox.failed(
          delivery,
          result.statusCode,
          result.error ?? 'failed',
          gone
            ? null
            : retryIn(
                result,
                nextDelay(delivery.attempt, this.schedule),
                this.config.webhookRetryCapMs,
              ),
        );
      }
    } catch (error) {
      // the lease runs out and the delivery is sent again: at least once
      this.logger.warn(
        `webhook delivery ${delivery.id}: outcome not recorded: ${loggableMessage(error)}`,
      );
    }
    this.logger.debug(
      `webhook delivery ${delivery.id} (endpoint ${delivery.endpointId}) attempt ${delivery.attempt}: ${
        result.ok ? `delivered (HTTP ${result.statusCode})` : result.error
      }`,
    );
  }

  private async send(delivery: ClaimedDelivery): Promise<SendResult> {
    let secret: Buffer;
    try {
      secret = await this.openSecret(delivery, delivery.secretSealed);
    } catch (error) {
      this.logger.error(
        `webhook endpoint ${delivery.endpointId}: its secret does not open: ${loggableMessage(error)}`,
      );
      return { ok: false, statusCode: null, error: 'the signing secret does not open (IDS_KEK?)' };
    }
    const secrets = [secret];
    if (delivery.previousSecretSealed) {
      // the previous secret during a rotation's overlap; one that does not open is left out
      await this.openSecret(delivery, delivery.previousSecretSealed).then(
        (previous) => secrets.push(previous),
        (error: unknown) =>
          this.logger.error(
            `webhook endpoint ${delivery.endpointId}: its previous secret does not open: ${loggableMessage(error)}`,
          ),
      );
    }
    const timestamp = Math.floor(Date.now() / 1000);
    return sendWebhook({
      url: delivery.url,
      body: delivery.payload,
      headers: signedHeaders(secrets, delivery.id, timestamp, delivery.payload),
      timeoutMs: this.config.webhookTimeoutMs,
      policy: targetPolicy(this.config),
    });
  }

  private async openSecret(delivery: ClaimedDelivery, sealed: string): Promise<Buffer> {
    const jwk = await this.sealer.open(
      sealed,
      secretBinding(delivery.tenantId, delivery.endpointId),
    );
    return Buffer.from(jwk.k as string, 'base64url');
  }

  private async purgeNow(): Promise<void> {
    if (Date.now() - this.purgedAt < PURGE_EVERY_MS) return;
    this.purgedAt = Date.now();
    // batches of 5000 until one comes back short (at most 20 a round): retention keeps up
    for (let round = 0; round < 20; round++) {
      if ((await this.outbox.purgeFinished(this.config.webhookRetentionDays)) < 5000) break;
    }
  }
}

/** Moves a count of a map by `by`; a count of 0 leaves the map. */
function count(map: Map<string, number>, key: string, by: number): void {
  const n = (map.get(key) ?? 0) + by;
  if (n > 0) map.set(key, n);
  else map.delete(key);
}

/**
 * When a failed delivery is tried again: its schedule's delay (null: no more tries), no sooner
 * than a 429's or 503's `Retry-After` (up to the schedule's cap).
 */
export function retryIn(
  result: SendResult,
  scheduled: number | null,
  capMs: number,
): number | null {
  if (scheduled === null) return null;
  const asked = result.retryAfterSeconds ? Math.min(result.retryAfterSeconds * 1000, capMs) : 0;
  return Math.max(scheduled, asked);
}
