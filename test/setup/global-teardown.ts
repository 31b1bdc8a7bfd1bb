import { stopTestCluster } from './test-cluster';

export default async function globalTeardown(): Promise<void> {
  const cluster = globalThis.__IDS_TEST_CLUSTER__;
  if (cluster) await stopTestCluster(cluster);
}
