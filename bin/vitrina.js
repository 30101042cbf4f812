#!/usr/bin/env node
// The one CLI. TypeScript sources run through tsx, so a fresh `npm ci` is enough.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
