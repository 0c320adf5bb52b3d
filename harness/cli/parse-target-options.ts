/**
 * `--target-opt` values: `k=v`, repeatable, and several pairs in one value separated by commas
 * (`--target-opt api=http://h:1,dhcp=h:67`). A comma splits only when a `name=` follows it, so a
 * value may itself contain commas (`list=a,b`).
 */
import { parseKeyValues } from './parse-args.ts';

export function parseTargetOptions(values: string[] | undefined): Record<string, string> {
  return parseKeyValues(
    (values ?? []).flatMap((v) => v.split(/,(?=[A-Za-z_][\w.-]*=)/)),
    'target-opt',
  );
}
