import type { DownloadedFile } from '../api/operations-wire.js';

/**
 * Hands a fetched file to the browser as a download: a Blob behind a temporary object URL. The
 * file was fetched with the key in the Authorization header; no URL ever carries the key.
 */
export function saveFile(file: DownloadedFile): void {
  const url = URL.createObjectURL(new Blob([file.text], { type: file.contentType }));
  const link = document.createElement('a');
  link.href = url;
  link.download = file.filename;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  // Some browsers read the Blob after the click returns: let it go a little later, not at once.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
