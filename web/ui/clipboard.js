// Copies a read-only text area's text for the reader: selected first, so where the
// clipboard is refused (no permission, no secure context) they can copy it themselves;
// `status` (a role="status" element) says which happened.
export async function copyArea(area, status, S) {
  area.select();
  try {
    await navigator.clipboard.writeText(area.value);
    status.textContent = S.tools.copied;
  } catch {
    status.textContent = S.tools.selectToCopy;
  }
}
