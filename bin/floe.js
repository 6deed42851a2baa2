#!/usr/bin/env node
// The `floe` command. Node 24 runs the TypeScript sources directly (type stripping), so the
// binary is a one-line entry that loads the CLI.
import '../src/cli/main.ts';
