// Summarises a V8 .cpuprofile: self time by package/file and by function. `node bench/profile-summary.mjs FILE`
import { readFileSync } from 'node:fs';

const profile = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i++)
  self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (dt[i] ?? 0));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const group = (keyOf) => {
  const sums = new Map();
  for (const [id, time] of self) {
    const key = keyOf(byId.get(id).callFrame);
    sums.set(key, (sums.get(key) ?? 0) + time);
  }
  return [...sums].sort((a, b) => b[1] - a[1]).slice(0, 25);
};
const where = (url) => {
  if (!url) return '(native/idle)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  if (url.includes('/dist/')) return 'app:' + url.split('/dist/')[1];
  return url.replace(/^.*\/(node:)?/, 'node:');
};
console.log(`total ${(total / 1e6).toFixed(1)} s sampled`);
for (const [title, keyOf] of [
  ['by package / file', (f) => where(f.url)],
  ['by function', (f) => `${f.functionName || '(anonymous)'} ${where(f.url)}`],
]) {
  console.log(`\n${title}`);
  for (const [key, time] of group(keyOf))
    console.log(`${((100 * time) / total).toFixed(1).padStart(5)}%  ${key}`);
}
