/** Writes codegen/appsync-prelude.graphql from infra/appsync/prelude.ts (a test keeps them equal). */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CODEGEN_PRELUDE, CODEGEN_PRELUDE_FILE } from './prelude.ts';

writeFileSync(resolve(import.meta.dirname, '../..', CODEGEN_PRELUDE_FILE), CODEGEN_PRELUDE);
