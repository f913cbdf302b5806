import type { Modality, Session } from '../../../shared/contract';

export const MODALITY_LABELS: Record<Modality, string> = {
  'bright-field': 'Bright-field',
  smartphone: 'Smartphone',
  hologram: 'Hologram',
};

/** Today as YYYY-MM-DD in the local time zone (the date a technician reads off the wall clock). */
export function todayIso(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function formatOptics(session: Session): string {
  const parts: string[] = [];
  if (session.objectiveMagnification != null) parts.push(`${session.objectiveMagnification}×`);
  if (session.numericalAperture != null) parts.push(`NA ${session.numericalAperture}`);
  if (session.pixelSizeUm != null) parts.push(`${session.pixelSizeUm} µm/px`);
  return parts.join(' · ');
}

export function parseTags(text: string): string[] {
  const seen = new Set<string>();
  for (const raw of text.split(',')) {
    const tag = raw.trim();
    if (tag) seen.add(tag);
  }
  return [...seen];
}

export function describeChannels(channels: number): string {
  if (channels === 1) return 'grey';
  if (channels === 2) return 'grey+alpha';
  if (channels === 3) return 'RGB';
  if (channels === 4) return 'RGBA';
  return `${channels} ch`;
}
