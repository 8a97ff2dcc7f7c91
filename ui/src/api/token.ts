// The bearer token the user signed in with. sessionStorage: it lives as long as the tab and is
// not shared with other tabs or kept after the browser closes.

const KEY = 'drover.token';

export function getToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function setToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function clearToken(): void {
  sessionStorage.removeItem(KEY);
}
