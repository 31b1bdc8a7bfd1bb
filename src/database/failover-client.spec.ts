import { HostPort, ServerState } from '../config/multi-host-url';
import { PrimaryResolver } from './failover-client';

const h = (host: string): HostPort => ({ host, port: 5432 });
const PRIMARY: ServerState = { inRecovery: false, readOnly: false };
const STANDBY: ServerState = { inRecovery: true, readOnly: true };

/** A cluster whose hosts' states the test sets; `asked` records the probes. */
function cluster(states: Record<string, ServerState | 'down'>) {
  const asked: string[] = [];
  const probe = async (target: HostPort) => {
    asked.push(target.host);
    const state = states[target.host];
    if (state === 'down')
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    return state;
  };
  return { states, asked, probe };
}

describe('PrimaryResolver (which host new connections go to)', () => {
  it('picks the first writable host, skipping a host that is down and a standby', async () => {
    const c = cluster({ h1: 'down', h2: STANDBY, h3: PRIMARY });
    const resolver = new PrimaryResolver([h('h1'), h('h2'), h('h3')], 'read-write', c.probe);
    await expect(resolver.target()).resolves.toEqual(h('h3'));
    expect(c.asked).toEqual(['h1', 'h2', 'h3']);
  });

  it('keeps the primary it found without asking again until a connection to it fails', async () => {
    const c = cluster({ h1: PRIMARY, h2: STANDBY });
    const resolver = new PrimaryResolver([h('h1'), h('h2')], 'read-write', c.probe);
    await resolver.target();
    await resolver.target();
    expect(c.asked).toEqual(['h1']);
  });

  it('follows a failover: the old primary is forgotten and the promoted standby found', async () => {
    const c = cluster({ h1: PRIMARY, h2: STANDBY });
    const resolver = new PrimaryResolver([h('h1'), h('h2')], 'read-write', c.probe);
    expect(await resolver.target()).toEqual(h('h1'));
    c.states.h1 = 'down';
    resolver.forget(h('h1'));
    // before the promotion: no writable host, the checkout fails as a connection error (503)
    await expect(resolver.target()).rejects.toMatchObject({ code: '08001' });
    c.states.h2 = PRIMARY;
    expect(await resolver.target()).toEqual(h('h2'));
    // the old primary back as a standby: still the promoted one
    c.states.h1 = STANDBY;
    resolver.forget(h('h2'));
    expect(await resolver.target()).toEqual(h('h2'));
  });

  it('ignores a late failure of a connection to a host that is no longer the target', async () => {
    const c = cluster({ h1: 'down', h2: PRIMARY });
    const resolver = new PrimaryResolver([h('h1'), h('h2')], 'read-write', c.probe);
    await resolver.target();
    resolver.forget(h('h1')); // an old connection to the dead primary dying now
    c.asked.length = 0;
    await resolver.target();
    expect(c.asked).toEqual([]);
  });

  it('asks the hosts once for many connections waiting at the same time', async () => {
    const c = cluster({ h1: 'down', h2: PRIMARY });
    const resolver = new PrimaryResolver([h('h1'), h('h2')], 'read-write', c.probe);
    const targets = await Promise.all([1, 2, 3, 4].map(() => resolver.target()));
    expect(targets).toEqual([h('h2'), h('h2'), h('h2'), h('h2')]);
    expect(c.asked).toEqual(['h1', 'h2']);
  });

  it('takes a standby under primary only when it is not in recovery; any takes the first up', async () => {
    const states = { h1: STANDBY, h2: { inRecovery: false, readOnly: true } };
    const primary = new PrimaryResolver([h('h1'), h('h2')], 'primary', cluster(states).probe);
    expect(await primary.target()).toEqual(h('h2'));
    const any = new PrimaryResolver([h('h1'), h('h2')], 'any', cluster(states).probe);
    expect(await any.target()).toEqual(h('h1'));
  });
});
