// Every scenario, in the order `npm run bench` runs them.
import { clientCredentialsScenario } from './client-credentials.ts';
import { coldStartScenario } from './cold-start.ts';
import type { Scenario } from './context.ts';
import { loginScenario } from './login.ts';
import { memoryScenario } from './memory.ts';
import { refreshScenario } from './refresh.ts';
import { totpScenario } from './totp.ts';
import { usersScenario } from './users.ts';

export const SCENARIOS: Scenario[] = [
  loginScenario, totpScenario, clientCredentialsScenario, refreshScenario, coldStartScenario, memoryScenario, usersScenario,
];
