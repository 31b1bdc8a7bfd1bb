import type { AppConfig } from '../config/app-config';
import type { KeyEncryption } from '../signing/key-encryption';
import type { ClaimedDelivery, OutboxRepository } from './outbox.repository';
import { retryIn, WebhookDispatcher } from './webhook-dispatcher.service';
import { retryAfter, SendResult } from './webhook-sender';

/** A promise and the functions that settle it. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

/**
 * The sender's claim chain, with the outbox and the HTTP requests replaced by promises the test
 * settles: which claims are made, with which view of the wire, in which order of events.
 */
/** Four of one endpoint at once, as the tests' deliveries assume. */
function harness(concurrency: number) {
  const claims: {
    limit: number;
    onTheWire: [string, number][];
    answer: ReturnType<typeof deferred<ClaimedDelivery[]>>;
  }[] = [];
  const outbox = {
    claim: (
      limit: number,
      _lease: number,
      _max: number,
      fairness: { onTheWire: Map<string, number> },
    ) => {
      const answer = deferred<ClaimedDelivery[]>();
      claims.push({ limit, onTheWire: [...fairness.onTheWire], answer });
      return answer.promise;
    },
    purgeFinished: () => Promise.resolve(0),
  } as unknown as OutboxRepository;
  const config = {
    webhookConcurrency: concurrency,
    webhookEndpointConcurrency: 4,
    webhookPollMs: 0,
  } as AppConfig;
  const dispatcher = new WebhookDispatcher(outbox, {} as KeyEncryption, config);
  const sent = new Map<string, () => void>();
  (dispatcher as unknown as { deliver: (d: ClaimedDelivery) => Promise<void> }).deliver = (d) => {
    const done = deferred<void>();
    sent.set(d.id, () => done.resolve());
    return done.promise;
  };
  const deliveries = (endpointId: string, ids: string[]) =>
    ids.map((id) => ({ id, endpointId }) as ClaimedDelivery);
  const finish = async (...ids: string[]) => {
    for (const id of ids) sent.get(id)!();
    await settle();
  };
  return { dispatcher, claims, deliveries, finish };
}

describe('the webhook sender claims again as deliveries finish', () => {
  it('an endpoint taken up to its cap claims again as each of its deliveries finishes, with what is on the wire', async () => {
    const h = harness(16);
    const first = h.dispatcher.tick();
    h.claims[0].answer.resolve(h.deliveries('E', ['e1', 'e2', 'e3', 'e4']));
    expect(await first).toBe(4);
    await h.finish('e1');
    expect(h.claims).toHaveLength(2);
    expect(h.claims[1].onTheWire).toEqual([['E', 3]]);
    h.claims[1].answer.resolve(h.deliveries('E', ['e5'])); // its allowance: cut at the cap again
    await settle();
    await h.finish('e2');
    expect(h.claims).toHaveLength(3);
    h.claims[2].answer.resolve([]); // less than it could take: nothing more is due
    await settle();
    await h.finish('e3', 'e4', 'e5');
    expect(h.claims).toHaveLength(3); // the chain ended; the poll is the backstop
  });

  it('a claim asked for while one runs is made when it ends (the chain does not stop)', async () => {
    // five slots: E at its cap and one of F fill them, so F's finished delivery claims again
    const h = harness(5);
    const first = h.dispatcher.tick();
    h.claims[0].answer.resolve([
      ...h.deliveries('E', ['e1', 'e2', 'e3', 'e4']),
      ...h.deliveries('F', ['f1']),
    ]);
    await first;
    await h.finish('f1');
    expect(h.claims).toHaveLength(2);
    expect(h.claims[1].onTheWire).toEqual([['E', 4]]); // E is left out
    // all of E finish while that claim runs: their claims are asked for during it
    await h.finish('e1', 'e2', 'e3', 'e4');
    expect(h.claims).toHaveLength(2);
    h.claims[1].answer.resolve([]);
    await settle();
    await settle();
    expect(h.claims).toHaveLength(3);
    expect(h.claims[2].onTheWire).toEqual([]);
  });

  it('deliveries of an endpoint the claim did not cut claim nothing more', async () => {
    const h = harness(16);
    const first = h.dispatcher.tick();
    h.claims[0].answer.resolve(h.deliveries('E', ['e1', 'e2']));
    await first;
    await h.finish('e1', 'e2');
    expect(h.claims).toHaveLength(1);
  });
});

describe('a delivery whose request throws', () => {
  it('is recorded as failed (to be retried), and nothing rejects unhandled', async () => {
    const failed: string[] = [];
    const outbox = {
      failed: (d: ClaimedDelivery, _status: null, error: string) => {
        failed.push(`${d.id}: ${error}`);
        return Promise.resolve();
      },
    } as unknown as OutboxRepository;
    const config = { webhookConcurrency: 1, webhookPollMs: 0 } as AppConfig;
    const dispatcher = new WebhookDispatcher(outbox, {} as KeyEncryption, config);
    (dispatcher as unknown as { send: () => Promise<never> }).send = () =>
      Promise.reject(new Error('thrown before the request'));
    const deliver = (dispatcher as unknown as { deliver: (d: ClaimedDelivery) => Promise<void> })
      .deliver;
    await expect(
      deliver.call(dispatcher, { id: 'd1', endpointId: 'E', attempt: 1 } as ClaimedDelivery),
    ).resolves.toBeUndefined();
    expect(failed).toEqual(['d1: the request could not be made']);
  });
});

describe('when a failed delivery is tried again (retryIn, retryAfter)', () => {
  const failedWith = (statusCode: number, retryAfterSeconds?: number) =>
    ({
      ok: false,
      statusCode,
      error: 'x',
      ...(retryAfterSeconds ? { retryAfterSeconds } : {}),
    }) as const;

  it("no sooner than a 429's or 503's Retry-After, up to the cap; never after the last try", () => {
    expect(retryIn(failedWith(500), null, 60_000)).toBeNull();
    expect(retryIn(failedWith(503, 30), 5000, 60_000)).toBe(30_000);
    expect(retryIn(failedWith(429, 1), 5000, 60_000)).toBe(5000);
    expect(retryIn(failedWith(503, 86_400), 5000, 60_000)).toBe(60_000);
  });

  it('reads only the delta-seconds form, on 429 and 503', () => {
    expect(retryAfter(429, '120')).toBe(120);
    expect(retryAfter(503, ' 7 ')).toBe(7);
    expect(retryAfter(500, '120')).toBeUndefined();
    expect(retryAfter(503, 'Wed, 21 Oct 2026 07:28:00 GMT')).toBeUndefined();
    expect(retryAfter(503, ['1', '2'])).toBeUndefined();
    expect(retryAfter(429, '0')).toBeUndefined();
  });
});

describe('a 410 Gone', () => {
  async function after410(verdict: 'turned-off' | 'inactive' | 'moved') {
    const retries: (number | null)[] = [];
    const outbox = {
      deactivateGone: () => Promise.resolve(verdict),
      failed: (_d: ClaimedDelivery, _s: number, _e: string, retryInMs: number | null) => {
        retries.push(retryInMs);
        return Promise.resolve(true);
      },
    } as unknown as OutboxRepository;
    const config = {
      webhookConcurrency: 1,
      webhookPollMs: 0,
      webhookMaxAttempts: 35,
      webhookRetryBaseMs: 1000,
      webhookRetryCapMs: 60_000,
    } as AppConfig;
    const dispatcher = new WebhookDispatcher(outbox, {} as KeyEncryption, config);
    (dispatcher as unknown as { send: () => Promise<SendResult> }).send = () =>
      Promise.resolve({ ok: false, statusCode: 410, error: 'HTTP 410' });
    const deliver = (dispatcher as unknown as { deliver: (d: ClaimedDelivery) => Promise<void> })
      .deliver;
    await deliver.call(dispatcher, { id: 'd', endpointId: 'E', attempt: 1 } as ClaimedDelivery);
    return retries;
  }

  it('ends the delivery when it turned the endpoint off, or the endpoint was already off', async () => {
    expect(await after410('turned-off')).toEqual([null]);
    expect(await after410('inactive')).toEqual([null]);
  });

  it('is retried as usual when it came from a URL the endpoint no longer has', async () => {
    const [retry] = await after410('moved');
    expect(retry).toEqual(expect.any(Number));
  });
});
