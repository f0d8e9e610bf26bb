// Progressive enhancement for the enrolment page: a "copy key" button (the page works without it).
document.querySelectorAll('button[data-copy]').forEach((button) => {
  const source = document.getElementById(button.getAttribute('data-copy'));
  if (!source || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener('click', () => {
    navigator.clipboard.writeText(source.textContent.replace(/\s+/g, '')).then(() => {
      button.setAttribute('aria-live', 'polite');
      button.textContent = button.textContent.replace(/\s*✓$/, '') + ' ✓';
    });
  });
});
