// ESLint (flat config): a small rule set, each rule chosen for a bug class this code base can have. Formatting
// is Prettier's job (`npm run format`), not ESLint's: no stylistic rules here.
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

/** Rules that need no types: they apply to the few JavaScript files too. */
const plainRules = {
  // `==` only where it means something: `x == null` (null or undefined). Elsewhere coercion hides bugs.
  eqeqeq: ["error", "smart"],
  // A `let` never reassigned reads as "this changes later"; `const` says it does not.
  "prefer-const": "error",
  // Function-scoped, hoisted `var` has no place next to `let`/`const`.
  "no-var": "error",
};

export default defineConfig(
  {
    // Build output, dependencies and what runs write (git-ignored): nothing written by hand.
    ignores: ["**/dist/", "**/node_modules/", ".stack/", "demo/out/", "bench/results/"],
  },
  {
    files: ["**/*.{js,mjs}"],
    rules: plainRules,
  },
  {
    files: ["**/*.ts"],
    extends: [tseslint.configs.base],
    languageOptions: {
      parserOptions: {
        // Each file's nearest tsconfig.json; vitest.config.ts is in none, so the default project takes it.
        projectService: { allowDefaultProject: ["vitest.config.ts"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      ...plainRules,
      // A promise nobody awaits or catches: its rejection is an unhandled rejection, which ends the process
      // (Node's default) or is lost, and the caller goes on before the work is done. Mark a deliberate
      // fire-and-forget with `void` once its errors are handled where it is made.
      "@typescript-eslint/no-floating-promises": "error",
      // A promise where a boolean or a void callback is expected: `if (promise)` is always true, and an
      // async listener's rejection reaches no one.
      "@typescript-eslint/no-misused-promises": "error",
      // `await` on something that is not a promise is a misunderstanding of what the callee returns.
      // Mixed arrays stay allowed in Promise.all: BuyerAuth.userId answers `string | Promise<string>` (a
      // synchronous fast path), and waiting for several of them together is meant.
      "@typescript-eslint/await-thenable": ["error", { allowMixedPromiseArrays: true }],
      // Dead variables and imports. Unused leading parameters stay (a callback's signature is not ours), as
      // does a name starting with `_`, the way to say "unused on purpose".
      "@typescript-eslint/no-unused-vars": [
        "error",
        {
          args: "after-used",
          argsIgnorePattern: "^_",
          varsIgnorePattern: "^_",
          caughtErrors: "none",
          destructuredArrayIgnorePattern: "^_",
          ignoreRestSiblings: true,
        },
      ],
    },
  },
);
