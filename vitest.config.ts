import { defineConfig } from "vitest/config";

export default defineConfig({
  // tsconfig.json's paths: `formwork` and `formwork/*` (how the examples import the package)
  // mean the sources here, as they do for tsc and tsx.
  resolve: { tsconfigPaths: true },
  test: {
    include: ["src/**/*.test.ts", "examples/**/*.test.ts", "test/**/*.test.ts"],
    typecheck: { enabled: true, include: ["src/**/*.test-d.ts"] },
    testTimeout: 60_000,
  },
});
