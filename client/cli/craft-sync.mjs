#!/usr/bin/env node
// The `craft-sync` bin: registers tsx (the CLI is TypeScript, like the rest of the project) and runs it.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
