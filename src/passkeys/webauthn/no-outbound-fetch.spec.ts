import 'reflect-metadata';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as x509 from '@peculiar/x509';
import { validateCertificatePath } from '@simplewebauthn/server/helpers';
import { makeLeaf, makeRoot } from '../../../test/support/attestation-pki';
// what the service loads: the registration ceremony
import './registration-ceremony';

describe('no outbound request for attestation', () => {
  it('a certificate path naming a CRL distribution point (any URL: an internal address) makes no request', async () => {
    let requests = 0;
    const server = createServer((_request, response) => {
      requests++;
      response.end('not a CRL');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/crl`;
      const root = await makeRoot('CN=Anyone, O=Self-made');
      const leaf = await makeLeaf(root, 'CN=Leaf', [
        new x509.CRLDistributionPointsExtension([url]),
      ]);
      // the path validates (what android-key does with the attestation's own last certificate),
      // and the revocation check would fetch the URL
      await expect(validateCertificatePath([leaf.pem], [root.pem])).resolves.toBe(true);
      expect(requests).toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
