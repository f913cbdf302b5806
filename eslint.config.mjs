// Lint keeps the architecture honest: where code lives says what it may import (see ARCHITECTURE.md).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const rawIpc = {
  name: 'electron',
  importNames: ['ipcMain', 'ipcRenderer'],
  message: 'Raw IPC lives only in src/main/ipc.ts and src/preload/index.ts; add a contract entry in src/shared/contract.ts instead.',
};
const noElectron = { name: 'electron', message: 'Only the Electron entry files in src/main may import electron; services and shared code run in plain Node.' };
const noNode = nodeBuiltins.map((name) => ({ name, message: 'This code must run anywhere (renderer, main, worker): no Node built-ins.' }));

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', 'dist/**', 'training/**', 'resources/**', 'e2e/artifacts/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-imports': ['error', { paths: [rawIpc] }],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron, ...noNode],
          patterns: [{ group: ['**/main/**', '**/renderer/**', '**/preload/**', 'react', 'react-dom'], message: 'src/shared imports nothing from the processes.' }],
        },
      ],
    },
  },
  {
    files: ['src/main/services/**/*.ts', 'src/main/host/**/*.ts', 'src/main/rpc.ts', 'src/main/cli.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [noElectron], patterns: [{ group: ['**/renderer/**', '**/preload/**'], message: 'Main-side code never imports the renderer.' }] },
      ],
    },
  },
  {
    files: ['src/main/**/*.ts'],
    ignores: ['src/main/services/**', 'src/main/host/**', 'src/main/rpc.ts', 'src/main/cli.ts', 'src/main/ipc.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [rawIpc], patterns: [{ group: ['**/renderer/**'], message: 'Main-side code never imports the renderer.' }] },
      ],
    },
  },
  { files: ['src/main/ipc.ts', 'src/preload/index.ts'], rules: { 'no-restricted-imports': 'off' } },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron, ...noNode],
          patterns: [{ group: ['**/main/**', '**/preload/**'], message: 'The renderer talks to main only through window.lucida (src/shared/contract.ts).' }],
        },
      ],
    },
  },
);
