// Imported first by every worker's entry (functions/*.ts but the receiver, which loads zod only
// for a webhook it refuses: lib/alert/read.ts), so that it runs before any schema is
// built: zod compiles each object schema into a function on its first parse (`new Function`),
// which pays back over many parses of one schema, and a function's cold start parses each of
// its schemas about once. Against the build without it (`npm run bench:cold-start -- --baseline`,
// three runs of 25 rounds) the remediator, which parses the largest schemas (stored outcomes),
// started in 0.92–0.98 of the time; the others within the bench's noise (0.93–1.05). The CLI
// keeps the compiler.
import * as z from 'zod';

z.config({ jitless: true });
