/**
 * The file a file input's change event picked, or null when none was; the input is cleared, so picking the same
 * file again fires a new change event.
 */
export function takePickedFile(e: Event): File | null {
  const input = e.currentTarget as HTMLInputElement;
  const file = input.files?.[0] ?? null;
  input.value = '';
  return file;
}
