/** How statuses look everywhere: a colour class, an icon (never colour alone) and a word. */
export const STATUS: Record<string, { icon: string; label: string }> = {
  pending: { icon: '◷', label: 'pending' },
  started: { icon: '⟳', label: 'deploying' },
  completed: { icon: '✓', label: 'completed' },
  failed: { icon: '✕', label: 'failed' },
  aborted: { icon: '⊘', label: 'aborted' },
};

export const statusOf = (status: string) => STATUS[status] ?? { icon: '•', label: status };

/** "3 min ago", "2 h ago", "5 d ago": ages on the board. */
export const ago = (at: string | null, now: number = Date.now()): string => {
  if (!at) return '';
  const seconds = Math.max(0, Math.round((now - Date.parse(at)) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} d ago`;
};

export const when = (at: string | null): string => (at ? new Date(at).toLocaleString() : '—');

export const duration = (seconds: number | null): string => {
  if (seconds === null) return '—';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
};
