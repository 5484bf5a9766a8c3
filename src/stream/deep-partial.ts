import type { IsMarked, Marked, MarkedRules, MarkedValue } from "../schema/streaming.js";

/**
 * A field declared with `streaming.withState`, as a partial shows it: `pending` before the
 * model writes it, `incomplete` while it is written (never with `streaming.done`),
 * `complete` once it closed (or its object closed without it: then `value` is undefined).
 * Where there is no value the object has no `value` key, so it survives JSON unchanged.
 */
export type StreamState<Partial, Whole = Partial> =
  | { readonly state: "pending"; readonly value?: undefined }
  | { readonly state: "incomplete"; readonly value: Partial }
  | { readonly state: "complete"; readonly value: Whole };

type Atomic = string | number | boolean | bigint | symbol | null | undefined;

/**
 * What a partial value can hold: every property optional at every depth, array elements deep-
 * partial, unions partial member by member. Atomic values (numbers, booleans, enum members)
 * are whole whenever they are present. Streaming rules declared on the schema change this
 * where they stand: a `done` value is whole when present (a string is never a prefix), a
 * `notNull` field is always there once its object is, and a `withState` field is a
 * {@link StreamState} that is always there.
 */
export type DeepPartial<T> = IsMarked<T> extends true ? RuledPartial<MarkedValue<T>, MarkedRules<T>> | PlainPartial<Exclude<T, Marked<T> | MarkedValue<T>>> : PlainPartial<T>;

type RuledPartial<V, R> = "withState" extends R
  ? "done" extends R
    ? Exclude<StreamState<never, Whole<V>>, { readonly state: "incomplete" }>
    : StreamState<DeepPartial<V>, Whole<V>>
  : "done" extends R
    ? Whole<V>
    : DeepPartial<V>;

type PlainPartial<T> = T extends Atomic
  ? T
  : T extends readonly (infer Item)[]
    ? T extends unknown[]
      ? DeepPartial<Item>[]
      : readonly DeepPartial<Item>[]
    : T extends (...args: never[]) => unknown
      ? T
      : T extends object
        ? true extends HasShownKeys<T>
          ? Flatten<{ [Key in keyof T as IsShown<T, Key> extends true ? Key : never]-?: DeepPartial<T[Key]> } & { [Key in keyof T as IsShown<T, Key> extends true ? never : Key]?: DeepPartial<T[Key]> }>
          : { [Key in keyof T]?: DeepPartial<T[Key]> }
        : T;

// A key present whenever its object is shown: a `withState` field (pending until written), or
// a required `notNull` field (the object waits for it).
type IsShown<T, Key extends keyof T> = IsMarked<T[Key]> extends true
  ? "withState" extends MarkedRules<T[Key]>
    ? true
    : "notNull" extends MarkedRules<T[Key]>
      ? Partial<Pick<T, Key>> extends Pick<T, Key>
        ? false
        : true
      : false
  : false;
type HasShownKeys<T> = { [Key in keyof T]-?: IsShown<T, Key> }[keyof T];
type Flatten<T> = { [Key in keyof T]: T[Key] };

/** A value as shown once complete: the type itself, with `withState` parts as their complete StreamState. */
type Whole<T> = IsMarked<T> extends true ? RuledWhole<MarkedValue<T>, MarkedRules<T>> | PlainWhole<Exclude<T, Marked<T> | MarkedValue<T>>> : PlainWhole<T>;

type RuledWhole<V, R> = "withState" extends R ? { readonly state: "complete"; readonly value: Whole<V> } : Whole<V>;

type PlainWhole<T> = T extends Atomic
  ? T
  : T extends readonly (infer Item)[]
    ? T extends unknown[]
      ? Whole<Item>[]
      : readonly Whole<Item>[]
    : T extends (...args: never[]) => unknown
      ? T
      : T extends object
        ? { [Key in keyof T]: Whole<T[Key]> }
        : T;
