// Loads an optional peer dependency (ioredis, @opentelemetry/api) or a Node built-in only when
// a feature needs it, so that the core loads everywhere: without the package, in browsers, at
// the edge.

const modules = new Map<string, Promise<unknown>>();

/**
 * The module `name`, or undefined when it cannot be loaded (not installed, or not in this
 * runtime). Loaded once per name. The specifier is a variable, so that bundlers leave it alone
 * (a browser build must not fail for a package only Node code uses).
 */
export function importPeer<T>(name: string): Promise<T | undefined> {
  let loading = modules.get(name);
  if (loading === undefined) {
    const specifier = name;
    loading = import(/* @vite-ignore */ /* webpackIgnore: true */ specifier).then(
      (module: unknown) => module,
      () => undefined,
    );
    modules.set(name, loading);
  }
  return loading as Promise<T | undefined>;
}
