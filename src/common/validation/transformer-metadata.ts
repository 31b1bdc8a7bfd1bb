import type { MetadataStorage } from 'class-transformer/types/MetadataStorage';

/** class-transformer's `@Type` registry (its package exports no typed path to it). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as {
  defaultMetadataStorage: MetadataStorage;
};
