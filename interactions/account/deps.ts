// What the account page needs on top of the interaction pages' dependencies.
import type { AccountPageStateStore } from '../../src/self-service/state.ts';
import type { KeptSession } from '../../src/provider/account-sign-out.ts';
import type { InteractionDeps } from '../deps.ts';

export interface AccountDeps extends InteractionDeps {
  issuer: string;
  accountPage: AccountPageStateStore;
  /**
   * Signs the account out everywhere but `keep`: the other sessions, sign-ins under way and the
   * tokens not issued through `keep` end; the apps the other sessions signed in are told by
   * back-channel logout. Returns how many sessions ended.
   */
  endOtherSessions(accountId: string, keep: KeptSession): Promise<number>;
  /** Restarts the session's idle timeout (never past its absolute end); returns the new expiry in ms. */
  extendSession(sessionId: string): Promise<number | undefined>;
}
