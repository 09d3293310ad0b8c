import { DatabaseSync } from 'node:sqlite';

import { createSqliteTargetGuard } from '../../../lib/guardrails/target-guard.ts';
import { targetGuardContract } from '../../contracts/target-guard.contract.ts';

targetGuardContract('embedded store', async () => createSqliteTargetGuard(new DatabaseSync(':memory:')));
