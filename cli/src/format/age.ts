/**
 * kubectl-style ages. This is a port of k8s.io/apimachinery's `duration.HumanDuration`,
 * so the AGE column reads the same as `kubectl get`:
 *
 *   < 2 minutes   seconds            "0s", "45s", "119s"
 *   < 10 minutes  minutes + seconds  "2m", "5m30s"
 *   < 3 hours     minutes            "10m", "179m"
 *   < 8 hours     hours + minutes    "3h", "3h5m"
 *   < 48 hours    hours              "8h", "47h"
 *   < 8 days      days + hours       "2d", "5d3h"
 *   < 2 years     days               "8d", "729d"
 *   < 8 years     years + days       "2y", "3y14d"
 *   otherwise     years              "8y"
 *
 * Every unit is truncated, never rounded. A duration up to one second negative
 * (clock skew between hub and client) shows as "0s"; anything more negative as "<invalid>".
 * Years are 365 days.
 */

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const YEAR = 365 * DAY;

/** "a" + "b" unless the smaller part is zero: compound("3h", 0, "m") → "3h". */
function compound(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  return minor === 0 ? `${major}${majorUnit}` : `${major}${majorUnit}${minor}${minorUnit}`;
}

/** Formats a duration given in milliseconds. */
export function humanDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '<invalid>';
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 2 * MINUTE) return `${seconds}s`;

  const minutes = Math.floor(seconds / MINUTE);
  if (minutes < 10) return compound(minutes, 'm', seconds % MINUTE, 's');
  if (minutes < 3 * 60) return `${minutes}m`;

  const hours = Math.floor(seconds / HOUR);
  if (hours < 8) return compound(hours, 'h', minutes % 60, 'm');
  if (hours < 48) return `${hours}h`;

  const days = Math.floor(seconds / DAY);
  if (hours < 8 * 24) return compound(days, 'd', hours % 24, 'h');
  if (seconds < 2 * YEAR) return `${days}d`;

  const years = Math.floor(seconds / YEAR);
  if (seconds < 8 * YEAR) return compound(years, 'y', days % 365, 'd');
  return `${years}y`;
}

/** Age of an ISO-8601 timestamp at `now` (ms since the epoch); "<unknown>" when the timestamp does not parse. */
export function age(timestamp: string | undefined, now: number): string {
  if (timestamp === undefined) return '<unknown>';
  const then = Date.parse(timestamp);
  if (Number.isNaN(then)) return '<unknown>';
  return humanDuration(now - then);
}
