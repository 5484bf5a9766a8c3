/**
 * What a partial value can hold: every property optional at every depth, array elements deep-
 * partial, unions partial member by member. Atomic values (numbers, booleans, enum members)
 * are whole whenever they are present.
 */
export type DeepPartial<T> = T extends string | number | boolean | bigint | symbol | null | undefined
  ? T
  : T extends readonly (infer Item)[]
    ? T extends unknown[]
      ? DeepPartial<Item>[]
      : readonly DeepPartial<Item>[]
    : T extends (...args: never[]) => unknown
      ? T
      : T extends object
        ? { [Key in keyof T]?: DeepPartial<T[Key]> }
        : T;
