import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

type Lookup = (
  target: Function, // eslint-disable-line @typescript-eslint/no-unsafe-function-type
  schema: string,
  always: boolean,
  strictGroups: boolean,
  groups?: string[],
) => ValidationMetadata[];

let installed = false;

/**
 * class-validator looks up a class's rules on every validation by scanning the rules of every
 * class (an `instanceof` per registered class): ~15% of the validation pipe on the ceremony
 * routes. Rules only change when a decorator registers one, so the lookup is memoised per class
 * and options, and any registration clears the memo.
 */
export function memoiseValidationMetadata(): void {
  if (installed) return;
  installed = true;
  const storage = getMetadataStorage() as unknown as {
    getTargetValidationMetadatas: Lookup;
    addValidationMetadata(metadata: ValidationMetadata): void;
  };
  const lookup = storage.getTargetValidationMetadatas.bind(storage);
  const add = storage.addValidationMetadata.bind(storage);
  const memo = new Map<Function, Map<string, ValidationMetadata[]>>(); // eslint-disable-line @typescript-eslint/no-unsafe-function-type
  storage.addValidationMetadata = (metadata) => {
    memo.clear();
    add(metadata);
  };
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    const key = `${schema}|${always}|${strictGroups}|${groups?.join(',') ?? ''}`;
    let byOptions = memo.get(target);
    if (!byOptions) memo.set(target, (byOptions = new Map()));
    let found = byOptions.get(key);
    if (!found) byOptions.set(key, (found = lookup(target, schema, always, strictGroups, groups)));
    return found;
  };
}
