// Names shared by the provider configuration, the client registry and the admin CLI. No imports,
// so a command that only reads clients never loads oidc-provider.

/** Custom client metadata: set only by operators (CLI), never self-asserted at registration. */
export const FIRST_PARTY = 'jullix_first_party';
