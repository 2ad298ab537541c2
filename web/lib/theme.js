// A theme choice ('light', 'dark' or 'auto') resolved to the palette to show. While the
// choice is 'auto' it follows the system's prefers-color-scheme, live. Returns a function
// that stops following.
export function followTheme(choice, apply) {
  const media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
  const update = () => apply(choice === 'dark' || choice === 'light' ? choice : media?.matches ? 'dark' : 'light');
  update();
  if (!media || choice === 'dark' || choice === 'light') return () => {};
  media.addEventListener('change', update);
  return () => media.removeEventListener('change', update);
}
