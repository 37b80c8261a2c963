// `npm run lint`: ESLint with neostandard, the project's style (no semicolons,
// single quotes, two-space indents, a space before a function's parentheses)
// for the TypeScript and JavaScript of src/, test/, bench/, scripts/ and demo/.
// assembly/ is AssemblyScript, with its own style (semicolons).
import neostandard from 'neostandard'

export default [
  ...neostandard({
    ts: true,
    env: ['browser', 'node'],
    ignores: [
      'assembly/**',
      'build/**',
      'dist/**',
      'src/engine/generated/**',
      'bench/results/**',
      'demo/dist/**',
      'node_modules/**',
      '.cache/**',
      'test/artifacts/**'
    ]
  }),
  {
    rules: {
      // A variable a closure reads before its one assignment cannot be const.
      'prefer-const': ['error', { destructuring: 'all', ignoreReadBeforeAssign: true }],
      // A loop's flag is often cleared by another task (stop(), a timer, a message) while the loop awaits.
      'no-unmodified-loop-condition': 'off'
    }
  },
  {
    files: ['test/runtimes/**'],
    languageOptions: { globals: { Bun: 'readonly', Deno: 'readonly' } }
  },
  {
    // Type-checking fixtures: `void x` marks a value that is only there to be typed.
    files: ['test/package-apps/**', 'test/types-consumer/**'],
    rules: { 'no-void': ['error', { allowAsStatement: true }] }
  }
]
