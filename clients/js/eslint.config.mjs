// ESLint flat config: typescript-eslint's type-checked recommended rules over the package, its tests,
// bench and conformance driver. Formatting is prettier's job (make fmt), not ESLint's.
import eslint from "@eslint/js";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

export default defineConfig(
  // written by scripts/generate.mjs (make generate) and by tsc
  { ignores: ["src/generated/", "dist/", "node_modules/"] },
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // `_` names what a destructuring or a callback must accept but does not use
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
      // node:test runs top-level test()/describe() itself; their promises are not the caller's to await
      "@typescript-eslint/no-floating-promises": [
        "error",
        {
          allowForKnownSafeCalls: [
            { from: "package", package: "node:test", name: ["test", "describe", "it", "suite"] },
          ],
        },
      ],
    },
  },
  {
    // Tests and the conformance driver read JSON (vectors, harness requests) into `any` on purpose:
    // the no-unsafe-* family guards the package's own code, where an `any` would leak to users.
    files: ["test/**", "conformance/**", "bench/**"],
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
  { files: ["**/*.mjs"], extends: [tseslint.configs.disableTypeChecked] },
);
