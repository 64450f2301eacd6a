// Which file the file view shows (a search hit clicked in a tool card): one view for the page,
// opened from any card without passing callbacks down through every message.

export interface FileRequest {
  path: string;
  line: number | null;
}

export const fileView: { request: FileRequest | null } = $state({ request: null });

export function openFile(path: string, line: number | null): void {
  fileView.request = { path, line };
}

export function closeFile(): void {
  fileView.request = null;
}
