// What the account page needs on top of the interaction pages' dependencies.
import type { AccountPageStateStore } from '../../src/self-service/state.ts';
import type { InteractionDeps } from '../deps.ts';

export interface AccountDeps extends InteractionDeps {
  issuer: string;
  accountPage: AccountPageStateStore;
  /**
   * Ends every provider session of the account except `keepSessionId`, tells the apps they signed
   * in by back-channel logout, and returns how many ended.
   */
  endOtherSessions(accountId: string, keepSessionId: string): Promise<number>;
  /** Restarts the session's idle timeout (never past its absolute end); returns the new expiry in ms. */
  extendSession(sessionId: string): Promise<number | undefined>;
}
