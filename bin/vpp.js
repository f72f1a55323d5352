#!/usr/bin/env node
// The installed `vpp` command. The sources are TypeScript run through tsx, so there is no
// build step: this registers tsx's loader, then hands over to the CLI.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
