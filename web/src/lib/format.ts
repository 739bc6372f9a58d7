export function seconds(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  return `${value.toFixed(digits)} s`;
}

export function score(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  return String(Math.round(value));
}

export function when(iso: string | null | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** A score's band: good (≥ 80), fair (≥ 60), weak (below). */
export function band(value: number | null | undefined): "good" | "fair" | "weak" | "none" {
  if (value === null || value === undefined || !Number.isFinite(value)) return "none";
  return value >= 80 ? "good" : value >= 60 ? "fair" : "weak";
}
