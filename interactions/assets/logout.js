// A logout from a browser with no session has nothing to ask: the form goes on by itself, as
// oidc-provider's own page did. Without scripts the page's button does the same.
document.querySelector('form[data-auto-submit]')?.submit();
