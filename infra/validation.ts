// What every component's validator uses (DESIGN §10): each component validates its own arguments
// beside its constructor, with a pure function that names the field in every message; the
// platform's `validateArgs` (args.ts) composes them over its flat arguments, naming its own fields.
import type * as pulumi from '@pulumi/pulumi';

/**
 * @internal How a validator names each field it checks: the component's own names when it is used
 * alone, the platform's argument names (`databaseEngineVersion`…) when the platform validates.
 */
export type FieldNames<K extends string> = Readonly<Record<K, string>>;

/** @internal A component's fields named as the component names them. */
export function ownNames<const K extends string>(keys: readonly K[]): FieldNames<K> {
  return Object.fromEntries(keys.map((key): [K, string] => [key, key])) as Record<K, string>;
}

/**
 * @internal The platform's arguments that a component takes, under the component's field names:
 * `fields` maps each component field to the platform argument it comes from (and, passed to the
 * component's validator, names it in the messages).
 */
export function fieldsOf<A, const F extends Record<string, keyof A>>(
  args: A,
  fields: F,
): { -readonly [K in keyof F]: A[F[K]] } {
  return Object.fromEntries(
    Object.entries(fields).map(([field, from]) => [field, args[from as keyof A]]),
  ) as { -readonly [K in keyof F]: A[F[K]] };
}

/** @internal A plain value of an Input, or undefined when it is an Output or a promise (not known yet). */
export function known<T>(value: pulumi.Input<T> | undefined): T | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object' && value !== null) {
    if ('then' in value && typeof (value as { then: unknown }).then === 'function')
      return undefined;
    if ('apply' in value && typeof (value as { apply: unknown }).apply === 'function')
      return undefined;
  }
  return value as T;
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** @internal An IPv4 CIDR block whose prefix is from `minPrefix` to `maxPrefix`. */
export function isCidr(text: string, minPrefix: number, maxPrefix: number): boolean {
  const m = CIDR.exec(text);
  if (!m) return false;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  return octets.every((o) => o <= 255) && prefix >= minPrefix && prefix <= maxPrefix;
}

/** @internal A whole number from `min` to `max`. */
export function isWholeInRange(n: number, min: number, max: number): boolean {
  return Number.isInteger(n) && n >= min && n <= max;
}

/** @internal An AWS Region code (`eu-south-1`). */
export const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$/;

/**
 * Thrown by a component before it declares anything when its arguments are invalid; lists every
 * problem.
 */
export class InvalidArgumentsError extends Error {
  constructor(
    name: string,
    readonly problems: string[],
    component = 'QuarantineDataPlatform',
  ) {
    super(
      `${component} "${name}": ${problems.length} invalid argument(s):\n- ${problems.join('\n- ')}`,
    );
    this.name = 'InvalidArgumentsError';
  }
}

/** @internal Throws `InvalidArgumentsError` when `problems` is not empty (before `super`). */
export function refuseInvalid(component: string, name: string, problems: string[]): void {
  if (problems.length > 0) throw new InvalidArgumentsError(name, problems, component);
}
