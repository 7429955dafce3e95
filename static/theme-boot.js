// The theme chosen on this device (see src/lib/state/theme.svelte.ts), applied before the first
// paint so that a reload does not flash the other theme.
try {
  const theme = localStorage.getItem('fika.theme');
  if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
} catch {
  // storage unavailable: automatic
}
