// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Library code surfaces problems through errors and streams, never the console (STYLE.md).
      "no-console": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    // Plain JavaScript files run on Node 20, which has the web-standard globals.
    files: ["**/*.mjs"],
    languageOptions: { globals: { TextEncoder: "readonly", ReadableStream: "readonly", console: "readonly" } },
  },
  {
    files: ["bench/**", "examples/**", "scripts/**", "src/cli/**"],
    rules: { "no-console": "off" },
  },
);
