import {
  blobEntry,
  dayFromNow,
  makeIntermediate,
  makeLeaf,
  makeRoot,
  signBlob,
  statement,
} from '../../test/support/attestation-pki';
import { DomainError, ErrorCode } from '../common/errors';
import { verifyMdsBlob } from './mds-blob';

const AAGUID = 'cb69481e-8ff7-4039-93ec-0a2729a154a8';

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect((error as DomainError).code).toBe(ErrorCode.METADATA_INVALID);
    return (error as DomainError).message;
  }
  throw new Error('expected a refusal');
}

describe('verifyMdsBlob', () => {
  it('keeps the FIDO2 entries of a BLOB that chains to the root, and skips the others', async () => {
    const root = await makeRoot('R');
    const ca = await makeIntermediate(root, 'I');
    const signer = await makeLeaf(ca, 'CN=mds.test, O=T, C=US');
    const good = blobEntry(statement(AAGUID, 'Model', root));
    const blob = await signBlob(
      {
        no: 7,
        nextUpdate: dayFromNow(1),
        entries: [good, { ...good, aaguid: undefined } as never, blobEntry({} as never)],
      },
      signer,
      [signer, ca],
    );
    const verified = await verifyMdsBlob(blob, [root.pem], 'mds.test');
    expect(verified).toMatchObject({ no: 7, skipped: 2 });
    expect(verified.entries.map((e) => e.aaguid)).toEqual([AAGUID]);
  });

  it('refuses a chain with a missing intermediate, and a leaf that is not a CA signing another', async () => {
    const root = await makeRoot('R');
    const ca = await makeIntermediate(root, 'I');
    const signer = await makeLeaf(ca, 'CN=mds.test, O=T, C=US');
    const entries = [blobEntry(statement(AAGUID, 'Model', root))];
    const payload = { no: 1, nextUpdate: dayFromNow(1), entries };
    expect(
      await refusal(verifyMdsBlob(await signBlob(payload, signer), [root.pem], 'mds.test')),
    ).toMatch(/MDS root/);
    const notCa = await makeLeaf(root, 'CN=N, O=T, C=US');
    const below = await makeLeaf(notCa, 'CN=mds.test, O=T, C=US');
    expect(
      await refusal(
        verifyMdsBlob(await signBlob(payload, below, [below, notCa]), [root.pem], 'mds.test'),
      ),
    ).toMatch(/not signed by/);
  });

  it('refuses a BLOB signed by any other leaf under the root (the FIDO roots certify anyone)', async () => {
    const root = await makeRoot('R');
    const ca = await makeIntermediate(root, 'I');
    const payload = { no: 1, nextUpdate: dayFromNow(1), entries: [] };
    const other = await makeLeaf(ca, 'CN=shop.example, O=T, C=US');
    expect(
      await refusal(
        verifyMdsBlob(await signBlob(payload, other, [other, ca]), [root.pem], 'mds.test'),
      ),
    ).toMatch(/not signed by mds.test/);
  });
});
