import { startTestCluster, stopTestCluster, TestCluster } from './test-cluster';

declare global {
  var __IDS_TEST_CLUSTER__: TestCluster | undefined;
}

export default async function globalSetup(): Promise<void> {
  const cluster = await startTestCluster();
  globalThis.__IDS_TEST_CLUSTER__ = cluster;
  // Workers inherit these: each test file clones its own database from the template.
  process.env.IDS_TEST_ADMIN_URL = cluster.adminUrl;
  process.env.IDS_TEST_TEMPLATE_DB = cluster.template;
  process.env.IDS_TEST_RUN_ID = String(process.pid);
  // Ctrl-C: stop the cluster before jest goes away.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      void stopTestCluster(cluster).finally(() => process.exit(130));
    });
  }
}
