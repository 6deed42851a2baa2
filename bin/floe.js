#!/usr/bin/env node
// The `floe` command. Runs the compiled dist/ when `npm ci` (its prepare step) built it, and
// the TypeScript sources directly (Node's type stripping) otherwise.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/src/cli/main.js', import.meta.url);
await import(existsSync(compiled) ? compiled.href : new URL('../src/cli/main.ts', import.meta.url).href);
