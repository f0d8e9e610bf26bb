// Server-side state of the account page for one provider session.
import type { Knex } from 'knex';
import { toMillis, toMillisOrNull } from '../db/rows.ts';
import type { Clock } from '../security/clock.ts';
import { decryptSecret, encryptSecret } from '../security/encryption.ts';
import { PENDING_TOTP_TTL_MS } from '../sign-in/state.ts';

export interface AccountPageState { sessionId: string; accountId: string; confirmedAt: number | null; pendingTotpSecret: string | null }

interface Row { session_id: string; account_id: string; confirmed_at: number | string | null; pending_totp_secret: string | null; pending_totp_created_at: number | string | null; expires_at: number | string }

const binding = (sessionId: string, accountId: string) => ({ userId: accountId, credentialId: `account-page:${sessionId}` });

export function createAccountPageStateStore(db: Knex, clock: Clock, dataKeys: Buffer[]) {
  const table = () => db<Row>('account_page_state');
  const key = dataKeys[0];
  if (!key) throw new Error('no data-encryption key configured');

  /**
   * The row, living as long as the session does now: a session kept in use outlives the expiry it
   * had at the first write, and a row left at that one read as empty, so a confirmation or a
   * pending secret written later was lost (review: enrolment then ended silently on the overview).
   */
  async function ensure(sessionId: string, accountId: string, expiresAtMs: number): Promise<void> {
    await table().insert({ session_id: sessionId, account_id: accountId, confirmed_at: null, pending_totp_secret: null, pending_totp_created_at: null, expires_at: expiresAtMs })
      .onConflict('session_id').merge(['expires_at']);
  }

  return {
    async get(sessionId: string, accountId: string): Promise<AccountPageState> {
      const row = await table().where({ session_id: sessionId, account_id: accountId }).first();
      const now = clock.now();
      if (!row || toMillis(row.expires_at) <= now) return { sessionId, accountId, confirmedAt: null, pendingTotpSecret: null };
      const pendingAt = toMillisOrNull(row.pending_totp_created_at);
      const fresh = row.pending_totp_secret !== null && pendingAt !== null && now - pendingAt < PENDING_TOTP_TTL_MS;
      return {
        sessionId, accountId, confirmedAt: toMillisOrNull(row.confirmed_at),
        pendingTotpSecret: fresh && row.pending_totp_secret ? decryptSecret(dataKeys, row.pending_totp_secret, binding(sessionId, accountId)) : null,
      };
    },
    async confirm(sessionId: string, accountId: string, expiresAtMs: number): Promise<void> {
      await ensure(sessionId, accountId, expiresAtMs);
      await table().where({ session_id: sessionId, account_id: accountId }).update({ confirmed_at: clock.now() });
    },
    async setPendingTotp(sessionId: string, accountId: string, secret: string, expiresAtMs: number): Promise<void> {
      await ensure(sessionId, accountId, expiresAtMs);
      await table().where({ session_id: sessionId, account_id: accountId })
        .update({ pending_totp_secret: encryptSecret(key, secret, binding(sessionId, accountId)), pending_totp_created_at: clock.now() });
    },
    async clearPendingTotp(sessionId: string): Promise<void> {
      await table().where('session_id', sessionId).update({ pending_totp_secret: null, pending_totp_created_at: null });
    },
  };
}

export type AccountPageStateStore = ReturnType<typeof createAccountPageStateStore>;
