// Progressive enhancement for the enrolment and recovery-code pages: "copy" and "print" buttons.
// The pages work without it; the buttons stay hidden when scripts or the clipboard are missing.
document.querySelectorAll('button[data-copy]').forEach((button) => {
  const source = document.getElementById(button.getAttribute('data-copy'));
  if (!source || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener('click', () => {
    // The manual key is shown in groups of four; the app wants it without spaces.
    const text = source.tagName === 'PRE' ? source.textContent : source.textContent.replace(/\s+/g, '');
    navigator.clipboard.writeText(text).then(() => {
      button.setAttribute('aria-live', 'polite');
      button.textContent = button.textContent.replace(/\s*✓$/, '') + ' ✓';
    });
  });
});
document.querySelectorAll('button[data-print]').forEach((button) => {
  button.hidden = false;
  button.addEventListener('click', () => window.print());
});
