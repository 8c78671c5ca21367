// node --import ./test/tools/strip-types/register.mjs script.ts (see hooks.mjs)
import { register } from 'node:module';
register('./hooks.mjs', import.meta.url);
